import Autodiff
import Testing

/// How the tape behaves across uses: gradients of shared inputs add up, nothing leaks between backward calls or
/// steps, and a rewound tape re-records (reusing its buffers) with the right numbers even when shapes change.
struct GraphTests {
  /// x feeds three products and a residual add, as the block's x feeds Q, K, V and h1.
  static func sharedInputBlock(_ g: Graph, _ x: Var, _ wq: Var, _ wk: Var, _ wv: Var, causal: Bool = true) -> Var {
    let q = g.matmul(x, wq, transposeB: true)
    let k = g.matmul(x, wk, transposeB: true)
    let v = g.matmul(x, wv, transposeB: true)
    let probs = g.softmax(g.matmul(q, k, transposeB: true), causal: causal)
    return weightedSum(g, g.add(x, g.matmul(probs, v)))
  }

  static func sharedInputs(rows: Int, seed: Int = 1) -> [Tensor] {
    var rng = TestRandom(seed: seed)
    return [rng.tensor([rows, 4]), rng.tensor([4, 4]), rng.tensor([4, 4]), rng.tensor([4, 4])]
  }

  @Test(arguments: [1, 3, 5])
  func aTensorUsedFourTimesAccumulates(_ rows: Int) {
    expectGradientsMatch("x into Q, K, V and the residual, T\(rows)", Self.sharedInputs(rows: rows)) { g, v in
      Self.sharedInputBlock(g, v[0], v[1], v[2], v[3])
    }
  }

  @Test func gradientOfRepeatedUseIsTheSumOfEachUse() {
    // d/dx Σ R⊙(x + x + 3x) = 5R, exactly: three contributions land in one gradient.
    var rng = TestRandom(seed: 2)
    let x0 = rng.tensor([2, 3])
    let g = Graph()
    let x = g.leaf(x0)
    g.backward(weightedSum(g, g.add(g.add(x, x), g.scale(x, 3)), seed: 8))
    var r = TestRandom(seed: 8)
    #expect(g.grad(x) == r.tensor([2, 3]).map { 5 * $0 })
  }

  @Test func twoBackwardCallsGiveIdenticalGradients() {
    let inputs = Self.sharedInputs(rows: 4)
    let g = Graph()
    let leaves = inputs.map { g.leaf($0) }
    let loss = Self.sharedInputBlock(g, leaves[0], leaves[1], leaves[2], leaves[3])
    g.backward(loss)
    let first = leaves.map { g.grad($0) }
    g.backward(loss)
    let second = leaves.map { g.grad($0) }
    #expect(first == second, "a second backward must not add onto the first's gradients")
    #expect(first.allSatisfy { $0.data.contains { $0 != 0 } })
  }

  @Test func backwardFromAnEarlierValueClearsLaterGradients() {
    let g = Graph()
    let x = g.leaf(Tensor(rows: [[1, 2]]))
    let first = g.sum(x)
    let second = g.sum(g.scale(x, 3))
    g.backward(second)
    #expect(g.grad(x) == Tensor(rows: [[3, 3]]))
    g.backward(first)
    #expect(g.grad(x) == Tensor(rows: [[1, 1]]), "nothing of the earlier backward remains")
  }

  /// Gradients of the shared-input block on a fresh graph, the reference for re-recorded tapes.
  static func freshGradients(_ inputs: [Tensor]) -> (loss: Double, grads: [Tensor]) {
    let g = Graph()
    let leaves = inputs.map { g.leaf($0) }
    let loss = Self.sharedInputBlock(g, leaves[0], leaves[1], leaves[2], leaves[3])
    g.backward(loss)
    return (g.scalar(loss), leaves.map { g.grad($0) })
  }

  @Test func resetAndReRecordAcrossShapeChanges() {
    // Weights recorded once before the mark; x (and so every later shape) changes from step to step.
    let weights = Array(Self.sharedInputs(rows: 1).dropFirst())
    let g = Graph()
    let w = weights.map { g.leaf($0) }
    let mark = g.count
    for (step, rows) in [3, 3, 5, 1, 3, 2, 5].enumerated() {
      g.reset(to: mark)
      #expect(g.count == mark)
      #expect(w.indices.allSatisfy { g.value(w[$0]) == weights[$0] }, "values before the mark survive a reset")
      var rng = TestRandom(seed: 100 + step)
      let x0 = rng.tensor([rows, 4])
      let x = g.leaf(x0)
      let loss = Self.sharedInputBlock(g, x, w[0], w[1], w[2])
      g.backward(loss)
      let expected = Self.freshGradients([x0] + weights)
      #expect(g.scalar(loss) == expected.loss, "step \(step), T\(rows): loss")
      #expect(([x] + w).map { g.grad($0) } == expected.grads, "step \(step), T\(rows): gradients as on a fresh graph")
    }
  }

  @Test func reRecordingDifferentOpsAtTheSamePositions() {
    // The same tape positions hold a causal softmax in one step and a plain one in the next, with equal shapes:
    // a reused node must take its new op, not keep the old one's backward.
    let inputs = Self.sharedInputs(rows: 3)
    let g = Graph()
    let w = inputs.dropFirst().map { g.leaf($0) }
    let mark = g.count
    for causal in [true, false, true] {
      g.reset(to: mark)
      let x = g.leaf(inputs[0])
      let loss = Self.sharedInputBlock(g, x, w[0], w[1], w[2], causal: causal)
      g.backward(loss)
      let fresh = Graph()
      let leaves = inputs.map { fresh.leaf($0) }
      let freshLoss = Self.sharedInputBlock(fresh, leaves[0], leaves[1], leaves[2], leaves[3], causal: causal)
      fresh.backward(freshLoss)
      #expect(g.scalar(loss) == fresh.scalar(freshLoss), "causal \(causal)")
      #expect(g.grad(x) == fresh.grad(leaves[0]), "causal \(causal)")
    }
  }

  @Test func aReusedPositionTakesItsNewOpsBackward() {
    // Position 1 holds relu(x) in one recording and −2·x in the next, with the same shape: the reused node's
    // backward must be the new op's.
    let x0 = Tensor(rows: [[1, -2, 3]])
    let g = Graph()
    for useRelu in [true, false, true] {
      g.reset()
      let x = g.leaf(x0)
      let y = useRelu ? g.relu(x) : g.scale(x, -2)
      g.backward(g.sum(y))
      #expect(g.grad(x) == (useRelu ? Tensor(rows: [[1, 0, 1]]) : Tensor(rows: [[-2, -2, -2]])), "relu \(useRelu)")
    }
  }

  @Test func trainingStepsOnOneGraphMatchFreshGraphs() {
    // SGD on the weights for a few steps, re-recording each time; each step's gradients must be those of a
    // fresh graph at the current weights (a leak from the previous step would add onto them).
    var weights = Array(Self.sharedInputs(rows: 1).dropFirst())
    var rng = TestRandom(seed: 77)
    let x0 = rng.tensor([4, 4])
    let g = Graph()
    let w = weights.map { g.leaf($0) }
    let mark = g.count
    for step in 0..<4 {
      g.reset(to: mark)
      let loss = Self.sharedInputBlock(g, g.leaf(x0), w[0], w[1], w[2])
      g.backward(loss)
      let expected = Self.freshGradients([x0] + weights)
      #expect(w.map { g.grad($0) } == Array(expected.grads.dropFirst()), "step \(step)")
      g.sgdStep(w, lr: 0.1)
      for i in weights.indices {
        weights[i] = Tensor(shape: weights[i].shape,
                            data: zip(weights[i].data, expected.grads[i + 1].data).map { $0 - 0.1 * $1 })
        #expect(g.value(w[i]) == weights[i], "step \(step): SGD p ← p − lr·grad")
      }
    }
  }

  @Test func tapeListsEachOpWithItsInputsAndShape() {
    let g = Graph()
    let x = g.leaf(Tensor(zeros: [2, 3]))
    let w = g.leaf(Tensor(zeros: [4, 3]))
    let y = g.matmul(x, w, transposeB: true)
    let loss = g.mean(g.relu(y))
    let tape = g.tape
    #expect(tape.map(\.op) == ["leaf", "leaf", "matmul", "relu", "mean"])
    #expect(tape[2].inputs == [x, w] && tape[2].shape == [2, 4])
    #expect(tape[4].output == loss && tape[4].shape == [])
  }
}
