import Autodiff
import Testing

/// Every op of `Graph` against central differences, on seeded random shapes (sizes 1…5, so 1×1 and one-row
/// matrices come up) plus the edge shapes named explicitly. Each op's output is reduced to a scalar with a random
/// weighting, Σ(op(…) ⊙ R), so every output entry's gradient is distinct.
struct OpGradientTests {
  static let seeds = Array(0..<6)

  /// Random matrix sizes for one seed, always including 1 somewhere for the first seeds.
  static func sizes(_ seed: Int, count: Int) -> [Int] {
    var rng = TestRandom(seed: 7000 + seed)
    return (0..<count).map { i in seed == 0 ? 1 : (seed == 1 && i == 0 ? 1 : rng.int(1...5)) }
  }

  // MARK: Elementwise

  @Test(arguments: seeds)
  func addSubMul(_ seed: Int) {
    var rng = TestRandom(seed: seed)
    let s = Self.sizes(seed, count: 2)
    let (a, b) = (rng.tensor(s), rng.tensor(s))
    expectGradientsMatch("add \(s)", [a, b]) { g, v in weightedSum(g, g.add(v[0], v[1])) }
    expectGradientsMatch("sub \(s)", [a, b]) { g, v in weightedSum(g, g.sub(v[0], v[1])) }
    expectGradientsMatch("mul \(s)", [a, b]) { g, v in weightedSum(g, g.mul(v[0], v[1])) }
    // One input on both sides: d(a⊙a) = 2a, d(a−a) = 0 — both sides must add into one gradient.
    expectGradientsMatch("mul(a, a) \(s)", [a]) { g, v in weightedSum(g, g.mul(v[0], v[0])) }
    expectGradientsMatch("add(a, a) \(s)", [a]) { g, v in weightedSum(g, g.add(v[0], v[0])) }
  }

  @Test(arguments: seeds)
  func scale(_ seed: Int) {
    var rng = TestRandom(seed: seed)
    let s = Self.sizes(seed, count: 2)
    let a = rng.tensor(s)
    let c = rng.uniform(-3, 3)
    expectGradientsMatch("scale \(s) by \(c)", [a]) { g, v in weightedSum(g, g.scale(v[0], c)) }
  }

  @Test(arguments: seeds)
  func addBias(_ seed: Int) {
    var rng = TestRandom(seed: seed)
    let s = Self.sizes(seed, count: 2)
    expectGradientsMatch("add_bias \(s)", [rng.tensor(s), rng.tensor([s[1]])]) { g, v in
      weightedSum(g, g.addBias(v[0], v[1]))
    }
  }

  @Test(arguments: seeds)
  func relu(_ seed: Int) {
    var rng = TestRandom(seed: seed)
    let s = Self.sizes(seed, count: 2)
    // Entries at least 0.1 from the kink: a step of 1e-6 never crosses it.
    var a = rng.tensor(s, awayFromZeroBy: 0.1)
    a.data[0] = abs(a.data[0])  // at least one entry passes a gradient
    expectGradientsMatch("relu \(s)", [a]) { g, v in weightedSum(g, g.relu(v[0])) }
  }

  @Test func reluGradientIsZeroForNegativeAndZeroInputs() {
    let g = Graph()
    let x = g.leaf(Tensor(rows: [[-1, 0, 2]]))
    g.backward(weightedSum(g, g.relu(x)))
    let grad = g.grad(x).data
    #expect(grad[0] == 0 && grad[1] == 0 && grad[2] != 0, "relu gradient \(grad)")
  }

  // MARK: Matrix products

  @Test(arguments: seeds, [(false, false), (false, true), (true, false), (true, true)])
  func matmul(_ seed: Int, _ transposes: (Bool, Bool)) {
    var rng = TestRandom(seed: seed)
    let mkn = Self.sizes(seed, count: 3)
    let (m, k, n) = (mkn[0], mkn[1], mkn[2])
    let (ta, tb) = transposes
    let a = rng.tensor(ta ? [k, m] : [m, k])
    let b = rng.tensor(tb ? [n, k] : [k, n])
    expectGradientsMatch("matmul m\(m) k\(k) n\(n) tA \(ta) tB \(tb)", [a, b]) { g, v in
      let y = g.matmul(v[0], v[1], transposeA: ta, transposeB: tb)
      #expect(g.shape(y) == [m, n])
      return weightedSum(g, y)
    }
  }

  @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
  func matmulAgreesWithExplicitTranspose(_ transposes: (Bool, Bool)) {
    var rng = TestRandom(seed: 31)
    let (m, k, n) = (3, 4, 2)
    let (ta, tb) = transposes
    let a = rng.tensor(ta ? [k, m] : [m, k])
    let b = rng.tensor(tb ? [n, k] : [k, n])
    let g = Graph()
    let (va, vb) = (g.leaf(a), g.leaf(b))
    let fused = g.matmul(va, vb, transposeA: ta, transposeB: tb)
    let explicit = g.matmul(ta ? g.transpose(va) : va, tb ? g.transpose(vb) : vb)
    #expect(maxRelativeDifference(g.value(fused), g.value(explicit)) <= 1e-14)
    // And against the definition, Σ_p op(A)[i,p]·op(B)[p,j].
    let value = g.value(fused)
    for i in 0..<m {
      for j in 0..<n {
        let expected = (0..<k).reduce(0.0) { s, p in s + (ta ? a[p, i] : a[i, p]) * (tb ? b[j, p] : b[p, j]) }
        #expect(abs(value[i, j] - expected) <= 1e-14 * max(1, abs(expected)), "C[\(i),\(j)]")
      }
    }
  }

  @Test(arguments: seeds)
  func transpose(_ seed: Int) {
    var rng = TestRandom(seed: seed)
    let s = Self.sizes(seed, count: 2)
    expectGradientsMatch("transpose \(s)", [rng.tensor(s)]) { g, v in weightedSum(g, g.transpose(v[0])) }
  }

  // MARK: Softmax and cross-entropy

  /// A row with one unmasked entry has probability 1 there whatever the input: its gradient is exactly 0.
  static func softmaxIsConstant(_ shape: [Int], _ causal: Bool) -> Bool {
    shape[1] == 1 || (causal && shape[0] == 1)
  }

  @Test(arguments: seeds, [false, true])
  func softmax(_ seed: Int, _ causal: Bool) {
    var rng = TestRandom(seed: seed)
    let s = Self.sizes(seed, count: 2)  // non-square in general; causal masks j > i whatever the width
    let a = rng.tensor(s).map { 3 * $0 }
    expectGradientsMatch("softmax \(s) causal \(causal)", [a], flat: Self.softmaxIsConstant(s, causal)) { g, v in
      weightedSum(g, g.softmax(v[0], causal: causal))
    }
  }

  @Test(arguments: [[1, 1], [1, 4], [4, 1], [4, 4], [3, 5], [5, 3]], [false, true])
  func softmaxEdgeShapes(_ shape: [Int], _ causal: Bool) {
    var rng = TestRandom(seed: shape[0] * 10 + shape[1])
    let flat = Self.softmaxIsConstant(shape, causal)
    expectGradientsMatch("softmax \(shape) causal \(causal)", [rng.tensor(shape)], flat: flat) { g, v in
      weightedSum(g, g.softmax(v[0], causal: causal))
    }
  }

  @Test(arguments: seeds)
  func crossEntropy(_ seed: Int) {
    var rng = TestRandom(seed: seed)
    let s = Self.sizes(seed, count: 2)
    let (rows, cols) = (s[0], s[1] + 1)
    let targets = (0..<rows).map { _ in rng.int(0...(cols - 1)) }
    let logits = rng.tensor([rows, cols]).map { 2 * $0 }
    expectGradientsMatch("cross_entropy \(rows)×\(cols) targets \(targets)", [logits]) { g, v in
      g.crossEntropy(v[0], targets: targets)
    }
    // Scaled after the reduction, so the incoming gradient is not 1.
    expectGradientsMatch("2.5·cross_entropy", [logits]) { g, v in g.scale(g.crossEntropy(v[0], targets: targets), 2.5) }
  }

  @Test(arguments: [[0, 0, 0, 0], [2, 2, 0, 2], [1], [3]])
  func crossEntropyRepeatedTargetsAndOneRow(_ targets: [Int]) {
    var rng = TestRandom(seed: targets.count * 100 + targets[0])
    let logits = rng.tensor([targets.count, 4])
    expectGradientsMatch("cross_entropy targets \(targets)", [logits]) { g, v in g.crossEntropy(v[0], targets: targets) }
    // Through a product, so the logits' gradient reaches a second op's backward.
    let x = rng.tensor([targets.count, 3])
    let w = rng.tensor([4, 3])
    expectGradientsMatch("cross_entropy(x·Wᵀ) targets \(targets)", [x, w]) { g, v in
      g.crossEntropy(g.matmul(v[0], v[1], transposeB: true), targets: targets)
    }
  }

  // MARK: Indexing

  @Test(arguments: seeds)
  func gather(_ seed: Int) {
    var rng = TestRandom(seed: seed)
    let s = Self.sizes(seed, count: 2)
    let indices = (0..<rng.int(1...6)).map { _ in rng.int(0...(s[0] - 1)) }
    expectGradientsMatch("gather \(s) at \(indices)", [rng.tensor(s)]) { g, v in
      weightedSum(g, g.gather(v[0], indices: indices))
    }
  }

  @Test func gatherAddsTheGradientOfARepeatedRow() {
    var rng = TestRandom(seed: 5)
    let table = rng.tensor([3, 2])
    let indices = [1, 1, 0, 1]
    expectGradientsMatch("gather \(indices)", [table]) { g, v in weightedSum(g, g.gather(v[0], indices: indices)) }
    let g = Graph()
    let t = g.leaf(table)
    g.backward(g.sum(g.gather(t, indices: indices)))
    #expect(g.grad(t) == Tensor(rows: [[1, 1], [3, 3], [0, 0]]), "row 1 used three times")
  }

  @Test(arguments: seeds)
  func sliceColumns(_ seed: Int) {
    var rng = TestRandom(seed: seed)
    let s = Self.sizes(seed, count: 2)
    let start = rng.int(0...(s[1] - 1))
    let width = rng.int(1...(s[1] - start))
    expectGradientsMatch("slice_columns \(s) \(start)..<\(start + width)", [rng.tensor(s)]) { g, v in
      weightedSum(g, g.sliceColumns(v[0], start: start, count: width))
    }
  }

  @Test(arguments: seeds)
  func concatColumns(_ seed: Int) {
    var rng = TestRandom(seed: seed)
    let rows = Self.sizes(seed, count: 1)[0]
    let widths = (0..<rng.int(1...3)).map { _ in rng.int(1...3) }
    let parts = widths.map { rng.tensor([rows, $0]) }
    expectGradientsMatch("concat_columns rows \(rows) widths \(widths)", parts) { g, v in
      weightedSum(g, g.concatColumns(v))
    }
    // The same part twice: both copies' gradients add up.
    expectGradientsMatch("concat_columns [a, b, a]", Array(parts.prefix(2))) { g, v in
      weightedSum(g, g.concatColumns([v[0], v[v.count - 1], v[0]]))
    }
  }

  @Test func slicesConcatenatedBackAreTheIdentity() {
    var rng = TestRandom(seed: 9)
    let x = rng.tensor([3, 6])
    let g = Graph()
    let v = g.leaf(x)
    let heads = (0..<3).map { g.sliceColumns(v, start: 2 * $0, count: 2) }
    let joined = g.concatColumns(heads)
    #expect(g.value(joined) == x)
    g.backward(weightedSum(g, joined, seed: 4))
    var r = TestRandom(seed: 4)
    #expect(g.grad(v) == r.tensor([3, 6]), "d Σ(x ⊙ R) / dx = R through slice and concat")
  }

  // MARK: Reductions

  @Test(arguments: seeds)
  func sumAndMean(_ seed: Int) {
    var rng = TestRandom(seed: seed)
    let s = Self.sizes(seed, count: 2)
    let a = rng.tensor(s)
    expectGradientsMatch("sum \(s)", [a]) { g, v in weightedSum(g, g.sum(v[0])) }
    expectGradientsMatch("mean \(s)", [a]) { g, v in weightedSum(g, g.mean(v[0])) }
    // A scalar input reduces to itself.
    expectGradientsMatch("sum of a scalar", [Tensor(scalar: rng.uniform(-1, 1))]) { g, v in weightedSum(g, g.sum(v[0])) }
  }

  @Test func meanIsSumOverCount() {
    var rng = TestRandom(seed: 12)
    let g = Graph()
    let x = g.leaf(rng.tensor([3, 4]))
    let (s, m) = (g.scalar(g.sum(x)), g.scalar(g.mean(x)))
    #expect(abs(m - s / 12) <= 1e-15 * abs(s))
  }

  // MARK: Compositions

  /// One attention head in miniature, from primitives: the chain every op's backward must feed correctly.
  @Test(arguments: [1, 2, 4])
  func attentionHead(_ rows: Int) {
    var rng = TestRandom(seed: rows)
    let d = 3
    let inputs = [rng.tensor([rows, d]), rng.tensor([d, d]), rng.tensor([d]), rng.tensor([d, d]), rng.tensor([d, d])]
    expectGradientsMatch("attention head T\(rows)", inputs) { g, v in
      let (x, wq, bq, wk, wv) = (v[0], v[1], v[2], v[3], v[4])
      let q = g.addBias(g.matmul(x, wq, transposeB: true), bq)
      let k = g.matmul(x, wk, transposeB: true)
      let probs = g.softmax(g.scale(g.matmul(q, k, transposeB: true), 0.5), causal: true)
      let y = g.add(x, g.relu(g.matmul(probs, g.matmul(x, wv, transposeB: true))))
      return g.crossEntropy(y, targets: (0..<rows).map { $0 % d })
    }
  }
}
