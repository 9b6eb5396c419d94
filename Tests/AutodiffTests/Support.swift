import Foundation
import Autodiff
import Testing

/// A seeded generator (SplitMix64) so every shape and number of these tests is the same on every run.
struct TestRandom {
  private var state: UInt64

  init(seed: Int) { state = UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1 }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1).
  mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// Uniform in [lower, upper).
  mutating func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * unit() }

  /// Uniform in the closed range.
  mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }

  /// A tensor of uniform entries in [−1, 1).
  mutating func tensor(_ shape: [Int]) -> Tensor {
    Tensor(shape: shape, data: (0..<Tensor.count(of: shape)).map { _ in uniform(-1, 1) })
  }

  /// A tensor whose entries are at least `gap` away from 0 (for relu, whose kink finite differences must not cross).
  mutating func tensor(_ shape: [Int], awayFromZeroBy gap: Double) -> Tensor {
    Tensor(shape: shape, data: (0..<Tensor.count(of: shape)).map { _ in
      let magnitude = uniform(gap, 1)
      return next() & 1 == 0 ? magnitude : -magnitude
    })
  }
}

/// Σ (y ⊙ R) for a fixed random R of y's shape: a scalar whose gradient with respect to y is R, so every entry of
/// an op's output gets a different weight and a wrong index in a backward rule cannot cancel out.
func weightedSum(_ g: Graph, _ y: Var, seed: Int = 991) -> Var {
  var rng = TestRandom(seed: seed)
  return g.sum(g.mul(y, g.leaf(rng.tensor(g.shape(y)))))
}

/// Central differences agree with back-propagation to 1e-6 relative (they agree to ~1e-8 when the rule is right).
let gradientTolerance = 1e-6

/// Checks `f` with `GradientCheck.check` and expects every input's gradient to match finite differences, and at
/// least one gradient to be non-zero unless `f` is flat by construction (so a rule that propagates nothing cannot
/// pass against a flat function).
func expectGradientsMatch(
  _ label: String, _ inputs: [Tensor], flat: Bool = false, sourceLocation: SourceLocation = #_sourceLocation,
  _ f: (Graph, [Var]) -> Var
) {
  let results = GradientCheck.check(inputs, f)
  #expect(results.count == inputs.count, "\(label): one result per input", sourceLocation: sourceLocation)
  for result in results {
    #expect(result.maxRelativeError <= gradientTolerance,
            "\(label): input \(result.input) \(inputs[result.input].shape): error \(result.maxRelativeError)",
            sourceLocation: sourceLocation)
    #expect(result.analytic.shape == inputs[result.input].shape, "\(label): gradient shape", sourceLocation: sourceLocation)
  }
  #expect(flat || results.contains { $0.analytic.data.contains { $0 != 0 } }, "\(label): every gradient is zero",
          sourceLocation: sourceLocation)
}

/// Relative difference |a − b| / max(|a|, |b|) of two tensors, entry by entry (exactly equal entries count 0).
func maxRelativeDifference(_ a: Tensor, _ b: Tensor) -> Double {
  precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape) differ")
  var worst = 0.0
  for (x, y) in zip(a.data, b.data) where x != y { worst = max(worst, abs(x - y) / max(abs(x), abs(y))) }
  return worst
}

/// Softmax of one row in plain Swift, the textbook way: exp(x_j − max) / Σ exp(x_k − max).
func referenceSoftmax(_ row: [Double]) -> [Double] {
  let peak = row.max() ?? 0
  let exps = row.map { Foundation.exp($0 - peak) }
  let total = exps.reduce(0, +)
  return exps.map { $0 / total }
}

/// log Σ exp(row) in plain Swift, stable: max + log Σ exp(x − max).
func referenceLogSumExp(_ row: [Double]) -> Double {
  let peak = row.max() ?? 0
  return peak + Foundation.log(row.map { Foundation.exp($0 - peak) }.reduce(0, +))
}
