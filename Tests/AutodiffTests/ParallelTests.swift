@testable import Autodiff
import Foundation
import Synchronization
import Testing

/// The backward pass's shortcuts against plain loops and against the pass without them: weight gradients
/// computed on the helper thread while the caller goes on (a weight used twice makes its two contributions meet),
/// and gradients shown rather than copied through ops whose derivative is the identity.
struct ParallelTests {
  /// x·Wᵀ + b + x2·Wᵀ, weighted by R: W feeds two products big enough to be handed to the helper
  /// (64·128·96 ≈ 7.9·10⁵ multiply-adds each), and x·Wᵀ, the biased sum and x2·Wᵀ are each read by one op
  /// only.
  static func twoUses(_ g: Graph, _ x: Var, _ x2: Var, _ w: Var, _ b: Var) -> (loss: Var, product: Var) {
    let product = g.matmul(x, w, transposeB: true)
    let sum = g.add(g.addBias(product, b), g.matmul(x2, w, transposeB: true))
    return (weightedSum(g, sum, seed: 5), product)
  }

  static let inputs: [Tensor] = {
    var rng = TestRandom(seed: 31)
    return [rng.tensor([64, 96]), rng.tensor([64, 96]), rng.tensor([128, 96]), rng.tensor([128])]
  }()

  /// Gradients of x, x2, W and b (and of the product) on a fresh graph, deferring or not.
  static func gradients(deferring: Bool) -> (grads: [Tensor], product: Tensor, deferred: Int) {
    let g = Graph()
    g.defersLeafGradients = deferring
    let leaves = inputs.map { g.leaf($0) }
    let (loss, product) = twoUses(g, leaves[0], leaves[1], leaves[2], leaves[3])
    g.backward(loss)
    return (leaves.map { g.grad($0) }, g.grad(product), g.deferredProducts)
  }

  /// Runs `pass` — a backward pass that checks its own numbers and returns how many products it handed to the
  /// helper thread — until one hands over as many as `expected` wants, for up to `attempts` tries: the helper may
  /// be busy with another test's graph. True when one did, or when there is no helper thread (one pass is run).
  static func handsOver(_ expected: (Int) -> Bool, attempts: Int, _ pass: () -> Int) -> Bool {
    if Graph.gemmThreads < 2 {
      _ = pass()
      return true
    }
    for _ in 0..<attempts {
      if expected(pass()) { return true }
      Thread.sleep(forTimeInterval: 0.01)
    }
    return false
  }

  @Test func gradientsMatchTheDefinition() {
    // dS = R; dx = R·W, dx2 = R·W, dW = Rᵀ·x + Rᵀ·x2, db = Σ_rows R, and the product's gradient is R itself.
    var rng = TestRandom(seed: 5)
    let r = rng.tensor([64, 128])
    let (x, x2, w) = (Self.inputs[0], Self.inputs[1], Self.inputs[2])
    let dx = KernelTests.naiveProduct(r, w, false, false)
    let (fromX, fromX2) = (KernelTests.naiveProduct(r, x, true, false), KernelTests.naiveProduct(r, x2, true, false))
    let dw = Tensor(shape: fromX.shape, data: zip(fromX.data, fromX2.data).map { $0 + $1 })
    let db = Tensor(shape: [128], data: (0..<128).map { j in (0..<64).reduce(0) { $0 + r[$1, j] } })
    let got = Self.gradients(deferring: true)
    for (name, actual, expected) in [("x", got.grads[0], dx), ("x2", got.grads[1], dx), ("W", got.grads[2], dw),
                                     ("b", got.grads[3], db)] {
      #expect(maxRelativeDifference(actual, expected) < 1e-10, "d\(name)")
    }
    #expect(got.product == r, "x·Wᵀ is read by one add_bias only: its gradient is R exactly")
  }

  @Test func deferringChangesNoBit() {
    // Each contribution lands in the same order either way, so the numbers are identical, not just close. The
    // helper may be busy with another test's graph: try until a pass actually handed products over.
    let plain = Self.gradients(deferring: false)
    #expect(plain.deferred == 0)
    let handedOver = Self.handsOver({ $0 > 0 }, attempts: 50) {
      let deferred = Self.gradients(deferring: true)
      #expect(deferred.grads == plain.grads && deferred.product == plain.product)
      return deferred.deferred
    }
    #expect(handedOver, "no backward pass handed a product to the helper thread")
  }

  @Test func aValueReadTwiceGetsItsOwnGradient() {
    // s = x + c is read by the loss, x also by 3·x (recorded before s): x's gradient is R1 + 3·R2, and s's must
    // stay R1 (were x to show s's buffer, the second contribution would land in s's gradient too).
    var rng = TestRandom(seed: 9)
    let (x0, c0) = (rng.tensor([3, 4]), rng.tensor([3, 4]))
    let g = Graph()
    let (x, c) = (g.leaf(x0), g.leaf(c0))
    let tripled = weightedSum(g, g.scale(x, 3), seed: 2)
    let s = g.add(x, c)  // recorded last, so its backward runs first
    g.backward(g.add(weightedSum(g, s, seed: 1), tripled))
    var (r1, r2) = (TestRandom(seed: 1), TestRandom(seed: 2))
    let (w1, w2) = (r1.tensor([3, 4]), r2.tensor([3, 4]))
    #expect(g.grad(s) == w1)
    #expect(g.grad(c) == w1)
    let expected = Tensor(shape: [3, 4], data: zip(w1.data, w2.data).map { $0 + 3 * $1 })
    #expect(maxRelativeDifference(g.grad(x), expected) < 1e-15)
  }

  @Test func aSecondBackwardAndAReRecordingGiveTheSameGradients() {
    // A gradient shown through another node's buffer must not survive into the next pass as a stale alias.
    let g = Graph()
    let leaves = Self.inputs.map { g.leaf($0) }
    let mark = g.count
    var results: [[Tensor]] = []
    for _ in 0..<3 {
      g.reset(to: mark)
      let (loss, product) = Self.twoUses(g, leaves[0], leaves[1], leaves[2], leaves[3])
      g.backward(loss)
      g.backward(loss)
      results.append(leaves.map { g.grad($0) } + [g.grad(product)])
    }
    #expect(results[0] == Self.gradients(deferring: false).grads + [Self.gradients(deferring: false).product])
    #expect(results.allSatisfy { $0 == results[0] })
  }

  @Test func graphsOnTwoThreadsAtOnce() {
    // Two graphs training at the same time contend for the one helper thread; each must get its own numbers.
    let expected = Self.gradients(deferring: false).grads
    let results = Mutex<[[Tensor]]>([])
    DispatchQueue.concurrentPerform(iterations: 4) { _ in
      for _ in 0..<5 {
        let grads = Self.gradients(deferring: true).grads
        results.withLock { $0.append(grads) }
      }
    }
    let all = results.withLock { $0 }
    #expect(all.count == 20 && all.allSatisfy { $0 == expected })
  }

  @Test func forwardLoopsCutInHalvesMatchPlainLoops() {
    // 160·128 numbers, over `parallelLoop`: add, sub, mul, scale, relu, add_bias and softmax run in two halves
    // (one per thread when the helper is free); every entry must be what one plain loop gives.
    let (rows, cols) = (160, 128)
    #expect(rows * cols >= Graph.parallelLoop)
    var rng = TestRandom(seed: 12)
    let (a0, b0, bias0) = (rng.tensor([rows, cols]), rng.tensor([rows, cols]), rng.tensor([cols]))
    let g = Graph()
    let (a, b, bias) = (g.leaf(a0), g.leaf(b0), g.leaf(bias0))
    let elementwise: [(String, Var, (Int) -> Double)] = [
      ("add", g.add(a, b), { a0.data[$0] + b0.data[$0] }),
      ("sub", g.sub(a, b), { a0.data[$0] - b0.data[$0] }),
      ("mul", g.mul(a, b), { a0.data[$0] * b0.data[$0] }),
      ("scale", g.scale(a, 0.3), { 0.3 * a0.data[$0] }),
      ("relu", g.relu(a), { max(a0.data[$0], 0) }),
      ("add_bias", g.addBias(a, bias), { a0.data[$0] + bias0.data[$0 % cols] }),
    ]
    for (name, v, expected) in elementwise {
      let wrong = zip(g.value(v).data, (0 ..< rows * cols).map(expected)).filter { $0 != $1 }.count
      #expect(wrong == 0, "\(name): \(wrong) of \(rows * cols) entries differ from a plain loop's")
    }
    for causal in [false, true] {
      let probs = g.value(g.softmax(a, causal: causal))
      var worst = 0.0
      for i in 0 ..< rows {
        let valid = causal ? min(cols, i + 1) : cols
        let reference = referenceSoftmax(Array(a0.row(i)[0 ..< valid])) + Array(repeating: 0, count: cols - valid)
        for j in 0 ..< cols { worst = max(worst, abs(probs[i, j] - reference[j]) / max(abs(reference[j]), 1e-300)) }
      }
      #expect(worst < 1e-13, "softmax, causal \(causal): worst relative difference \(worst)")
    }
  }

  @Test func sgdInHalvesMatchesAPlainLoop() {
    // A 160×128 weight, over `parallelLoop`: SGD runs in two halves; p − lr·g entry by entry, as one loop.
    var rng = TestRandom(seed: 14)
    let w0 = rng.tensor([160, 128])
    let g = Graph()
    let w = g.leaf(w0)
    g.backward(weightedSum(g, g.scale(w, 2), seed: 15))  // ∂/∂w = 2·R
    let grad = g.grad(w)
    g.sgdStep([w], lr: 0.1)
    let expected = zip(w0.data, grad.data).map { $0 - 0.1 * $1 }
    let wrong = zip(g.value(w).data, expected).filter { $0 != $1 }.count
    #expect(wrong == 0, "\(wrong) of \(expected.count) entries differ from a plain loop's")
  }

  @Test func moreQueuedPiecesThanTheQueueHolds() {
    // Twenty layers x ← relu(x·Wᵀ), each weight 128×128 with x 64×128 (2²⁰ multiply-adds: its gradient goes to
    // the helper in four pieces): eighty pieces in one backward pass, more than the queue's 64 slots.
    var rng = TestRandom(seed: 21)
    let x0 = rng.tensor([64, 128])
    let weights = (0 ..< 20).map { _ in Tensor(shape: [128, 128], data: rng.tensor([128, 128]).data.map { $0 * 0.1 }) }
    func gradients(deferring: Bool) -> (grads: [Tensor], deferred: Int) {
      let g = Graph()
      g.defersLeafGradients = deferring
      let w = weights.map { g.leaf($0) }
      var x = g.leaf(x0)
      for layer in w { x = g.relu(g.matmul(x, layer, transposeB: true)) }
      g.backward(weightedSum(g, x, seed: 22))
      return (w.map { g.grad($0) }, g.deferredProducts)
    }
    let plain = gradients(deferring: false)
    #expect(plain.grads.contains { $0.data.contains { $0 != 0 } }, "the gradients reach the weights")
    // Each weight's gradient, and the input's, went to the helper (unless another test's graph had it: retry).
    let handedOver = Self.handsOver({ $0 == 21 }, attempts: 20) {
      let deferred = gradients(deferring: true)
      #expect(deferred.grads == plain.grads)
      return deferred.deferred
    }
    #expect(handedOver, "no backward pass handed all 21 products to the helper thread")
  }
}
