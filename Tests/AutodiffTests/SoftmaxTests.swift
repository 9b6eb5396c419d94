import Autodiff
import Foundation
import Testing

/// The fused softmax and cross-entropy against the same maths written out, and their numerical stability: huge
/// inputs stay finite, and the causal mask is exact (what lies above the diagonal is never read).
struct SoftmaxTests {
  static func softmaxValue(_ x: Tensor, causal: Bool) -> Tensor {
    let g = Graph()
    return g.value(g.softmax(g.leaf(x), causal: causal))
  }

  @Test(arguments: [[1, 1], [1, 5], [4, 4], [3, 6], [6, 3]], [false, true])
  func softmaxMatchesTheTextbookFormula(_ shape: [Int], _ causal: Bool) {
    var rng = TestRandom(seed: shape[0] * 7 + shape[1])
    let x = rng.tensor(shape).map { 4 * $0 }
    let p = Self.softmaxValue(x, causal: causal)
    for i in 0..<shape[0] {
      let valid = causal ? min(shape[1], i + 1) : shape[1]
      let expected = referenceSoftmax(Array(x.row(i).prefix(valid))) + Array(repeating: 0, count: shape[1] - valid)
      let row = p.row(i)
      #expect(maxRelativeDifference(Tensor(shape: [shape[1]], data: row), Tensor(shape: [shape[1]], data: expected))
              <= 1e-14, "row \(i)")
      #expect(row[valid...].allSatisfy { $0 == 0 }, "masked entries are exactly 0")
      #expect(abs(row.reduce(0, +) - 1) <= 1e-15 * Double(shape[1]), "row \(i) sums to 1")
    }
  }

  @Test func causalMaskEqualsMinusInfinityInAPlainSoftmax() {
    // Writing −∞ above the diagonal and taking a plain softmax is the definition of the mask: values and
    // gradients must agree with the causal softmax.
    var rng = TestRandom(seed: 3)
    let (rows, cols) = (4, 5)
    let x = rng.tensor([rows, cols])
    var minusInf = x
    for i in 0..<rows { for j in (i + 1)..<cols { minusInf[i, j] = -.infinity } }
    let g = Graph()
    let (a, b) = (g.leaf(x), g.leaf(minusInf))
    let (causal, plain) = (g.softmax(a, causal: true), g.softmax(b))
    #expect(maxRelativeDifference(g.value(causal), g.value(plain)) <= 1e-15)
    g.backward(g.add(weightedSum(g, causal, seed: 5), weightedSum(g, plain, seed: 5)))
    let (ga, gb) = (g.grad(a), g.grad(b))
    #expect(maxRelativeDifference(ga, gb) <= 1e-14)
    for i in 0..<rows { for j in (i + 1)..<cols { #expect(ga[i, j] == 0 && gb[i, j] == 0, "no gradient at [\(i),\(j)]") } }
  }

  @Test(arguments: [Double.infinity, -.infinity, .nan, 1e308, -1e308])
  func whatIsMaskedIsNeverRead(_ poison: Double) {
    var rng = TestRandom(seed: 4)
    let x = rng.tensor([5, 5])
    var poisoned = x
    for i in 0..<5 { for j in (i + 1)..<5 { poisoned[i, j] = poison } }
    let g = Graph()
    let (a, b) = (g.leaf(x), g.leaf(poisoned))
    let (pa, pb) = (g.softmax(a, causal: true), g.softmax(b, causal: true))
    #expect(g.value(pa) == g.value(pb), "masked \(poison) changed the probabilities")
    g.backward(g.add(weightedSum(g, pa, seed: 6), weightedSum(g, pb, seed: 6)))
    #expect(g.grad(a) == g.grad(b), "masked \(poison) changed the gradient")
  }

  @Test(arguments: [1e300, 1e4, 710, 1e-300])
  func hugeInputsStayFiniteAndExact(_ magnitude: Double) {
    // Rows whose entries differ by up to 2·magnitude: a naive exp overflows at 710.
    let x = Tensor(rows: [
      [magnitude, -magnitude, 0, magnitude],
      [-magnitude, -magnitude, -magnitude, -magnitude],
      [magnitude, magnitude - 1, -magnitude, 0],
    ])
    for causal in [false, true] {
      let g = Graph()
      let a = g.leaf(x)
      let p = g.softmax(a, causal: causal)
      let value = g.value(p)
      #expect(value.data.allSatisfy { $0.isFinite }, "causal \(causal), ±\(magnitude): \(value.data)")
      for i in 0..<3 {
        let valid = causal ? i + 1 : 4
        let expected = referenceSoftmax(Array(x.row(i).prefix(valid))) + Array(repeating: 0, count: 4 - valid)
        #expect(maxRelativeDifference(Tensor(shape: [4], data: value.row(i)), Tensor(shape: [4], data: expected))
                <= 1e-14, "causal \(causal), ±\(magnitude), row \(i)")
      }
      g.backward(weightedSum(g, p))
      #expect(g.grad(a).data.allSatisfy { $0.isFinite })
    }
  }

  @Test func hugeLogitsGiveAFiniteCrossEntropy() {
    let logits = Tensor(rows: [[1e300, -1e300, 0], [1e4, -1e4, 1e4 - 2], [-710, -720, -705], [-1e4, -1e4 - 3, -1e4 + 1]])
    let targets = [1, 2, 0, 1]
    let g = Graph()
    let x = g.leaf(logits)
    let loss = g.crossEntropy(x, targets: targets)
    // Row 0's loss is 2e300 (log-sum-exp 1e300 minus −1e300); the others are moderate, and in the last every
    // exp(x) underflows to 0 unless the max is subtracted first.
    let expected = (0..<4).map { referenceLogSumExp(logits.row($0)) - logits[$0, targets[$0]] }.reduce(0, +) / 4
    #expect(g.scalar(loss).isFinite)
    #expect(abs(g.scalar(loss) - expected) <= 1e-15 * abs(expected))
    g.backward(loss)
    #expect(g.grad(x).data.allSatisfy { $0.isFinite })
  }

  @Test(arguments: [[0], [3, 3, 3], [0, 4, 2, 4, 1]])
  func crossEntropyMatchesLogSoftmaxWrittenOut(_ targets: [Int]) {
    // CE = −(1/T)·Σ_i log softmax(logits)_i[target_i]; its gradient is (softmax(logits) − onehot)/T, with the
    // softmax taken from the engine's own softmax op.
    var rng = TestRandom(seed: targets.count)
    let (rows, cols) = (targets.count, 5)
    let logits = rng.tensor([rows, cols]).map { 5 * $0 }
    let g = Graph()
    let x = g.leaf(logits)
    let probs = g.value(g.softmax(x))
    let loss = g.crossEntropy(x, targets: targets)

    let fromSoftmax = -(0..<rows).map { log(probs[$0, targets[$0]]) }.reduce(0, +) / Double(rows)
    let fromLogSumExp = (0..<rows).map { referenceLogSumExp(logits.row($0)) - logits[$0, targets[$0]] }
      .reduce(0, +) / Double(rows)
    #expect(abs(g.scalar(loss) - fromLogSumExp) <= 1e-14 * abs(fromLogSumExp))
    #expect(abs(g.scalar(loss) - fromSoftmax) <= 1e-12 * abs(fromSoftmax))

    g.backward(loss)
    var expected = probs
    for i in 0..<rows { expected[i, targets[i]] -= 1 }
    expected = expected.map { $0 / Double(rows) }
    #expect(maxRelativeDifference(g.grad(x), expected) <= 1e-13)
  }

  @Test func softmaxGradientMatchesItsJacobian() {
    // dx_j = Σ_k dy_k·∂p_k/∂x_j with ∂p_k/∂x_j = p_k(δ_jk − p_j), built in plain Swift from the forward values.
    var rng = TestRandom(seed: 21)
    let x = rng.tensor([1, 6]).map { 3 * $0 }
    let g = Graph()
    let a = g.leaf(x)
    let p = g.softmax(a)
    g.backward(weightedSum(g, p, seed: 22))
    var r = TestRandom(seed: 22)
    let dy = r.tensor([1, 6]).data
    let pv = g.value(p).data
    var expected = [Double](repeating: 0, count: 6)
    for j in 0..<6 {
      for k in 0..<6 {
        let delta: Double = j == k ? 1 : 0
        expected[j] += dy[k] * pv[k] * (delta - pv[j])
      }
    }
    #expect(maxRelativeDifference(g.grad(a), Tensor(shape: [1, 6], data: expected)) <= 1e-12)
  }
}
