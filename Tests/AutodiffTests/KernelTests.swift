import Autodiff
import Foundation
import Testing

/// The fast paths of the engine against plain loops: blocked products across micro-tile edges, K blocks and the
/// two-thread split, and the vectorized exp inside softmax and cross-entropy on rows of many lengths.
struct KernelTests {
  /// op(A)·op(B) by the definition, Σ_p op(A)[i,p]·op(B)[p,j].
  static func naiveProduct(_ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool) -> Tensor {
    let (m, k) = ta ? (a.cols, a.rows) : (a.rows, a.cols)
    let n = tb ? b.rows : b.cols
    var c = Tensor(zeros: [m, n])
    for i in 0..<m {
      for j in 0..<n {
        var s = 0.0
        for p in 0..<k { s += (ta ? a[p, i] : a[i, p]) * (tb ? b[j, p] : b[p, j]) }
        c[i, j] = s
      }
    }
    return c
  }

  /// Sizes around the kernels' tile edges (8 and 16 wide, 6 and 8 high), past one K block (256) and big enough to
  /// be shared by two threads (96·80·300 ≈ 2.3·10⁶ multiply-adds).
  @Test(arguments: [(1, 1, 1), (7, 17, 5), (9, 33, 257), (16, 16, 16), (96, 80, 300), (40, 24, 520)],
        [(false, false), (false, true), (true, false), (true, true)])
  func productsMatchTheDefinition(_ size: (Int, Int, Int), _ transposes: (Bool, Bool)) {
    let (m, n, k) = size
    let (ta, tb) = transposes
    var rng = TestRandom(seed: m * 1000 + n * 10 + k)
    let a = rng.tensor(ta ? [k, m] : [m, k])
    let b = rng.tensor(tb ? [n, k] : [k, n])
    let g = Graph()
    let (va, vb) = (g.leaf(a), g.leaf(b))
    let c = g.matmul(va, vb, transposeA: ta, transposeB: tb)
    let expected = Self.naiveProduct(a, b, ta, tb)
    // Sums of k products of numbers below 1 in magnitude: an absolute bound relative to √k is the honest one.
    let error = zip(g.value(c).data, expected.data).map { abs($0 - $1) }.max() ?? 0
    #expect(error <= 1e-13 * Double(k).squareRoot(), "m\(m) n\(n) k\(k) tA \(ta) tB \(tb): \(error)")
    // The backward products (dA, dB) take the other transposition cases: check them on the same sizes.
    var r = TestRandom(seed: 3)
    let dc = r.tensor([m, n])
    g.backward(weightedSum(g, c, seed: 3))
    let da = ta ? Self.naiveProduct(b, dc, tb, true) : Self.naiveProduct(dc, b, false, !tb)
    let db = tb ? Self.naiveProduct(dc, a, true, ta) : Self.naiveProduct(a, dc, !ta, false)
    let gradError = max(zip(g.grad(va).data, da.data).map { abs($0 - $1) }.max() ?? 0,
                        zip(g.grad(vb).data, db.data).map { abs($0 - $1) }.max() ?? 0)
    #expect(gradError <= 1e-13 * Double(max(m, n)).squareRoot(), "gradients m\(m) n\(n) k\(k): \(gradError)")
  }

  @Test func aProductIsTheSameEveryTime() {
    // Two threads share big products; each entry's sum must not depend on which thread computed it.
    var rng = TestRandom(seed: 11)
    let (a, b) = (rng.tensor([256, 192]), rng.tensor([320, 192]))
    let g = Graph()
    let first = g.value(g.matmul(g.leaf(a), g.leaf(b), transposeB: true))
    for _ in 0..<5 {
      let again = Graph()
      #expect(again.value(again.matmul(again.leaf(a), again.leaf(b), transposeB: true)) == first)
    }
  }

  @Test(arguments: [1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100])
  func softmaxRowsOfEveryLength(_ width: Int) {
    var rng = TestRandom(seed: width)
    let x = rng.tensor([3, width]).map { 20 * $0 }
    let g = Graph()
    let p = g.value(g.softmax(g.leaf(x)))
    for i in 0..<3 {
      let expected = referenceSoftmax(x.row(i))
      let worst = zip(p.row(i), expected).map { abs($0 - $1) / max(abs($1), 1e-300) }.max() ?? 0
      #expect(worst <= 1e-14, "width \(width), row \(i): \(worst)")
    }
    let targets = [0, width - 1, width / 2]
    let loss = g.scalar(g.crossEntropy(g.leaf(x), targets: targets))
    let expected = (0..<3).map { referenceLogSumExp(x.row($0)) - x[$0, targets[$0]] }.reduce(0, +) / 3
    #expect(abs(loss - expected) <= 1e-14 * max(1, abs(expected)), "width \(width): loss \(loss) vs \(expected)")
  }
}
