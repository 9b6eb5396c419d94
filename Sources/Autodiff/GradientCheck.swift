/// Checks back-propagated gradients against finite differences: the oracle for every op, and a live
/// demonstration in the explainer that back-propagation computes what it claims to.
public enum GradientCheck {
  /// The central difference (f(x+h) − f(x−h)) / 2h, accurate to O(h²).
  public static func centralDifference(at x: Double, step h: Double = 1e-6, _ f: (Double) -> Double) -> Double {
    (f(x + h) - f(x - h)) / (2 * h)
  }

  /// |a − b| relative to the larger magnitude (with a floor of `floor`, so two tiny numbers compare as equal).
  public static func relativeError(_ a: Double, _ b: Double, floor: Double = 1e-12) -> Double {
    abs(a - b) / max(abs(a), abs(b), floor)
  }

  /// Back-propagated and finite-difference gradients of one input.
  public struct Result: Sendable {
    /// Which input (position in the list passed to `check`).
    public let input: Int
    /// ∂f/∂input from `backward`.
    public let analytic: Tensor
    /// ∂f/∂input from central differences, entry by entry.
    public let numeric: Tensor
    /// The largest entrywise error between the two, measured as |a − n| / max(|a|, |n|, scale)
    /// where `scale` is the largest gradient magnitude of this input times 1e-3 (so an entry that is
    /// zero up to rounding does not dominate).
    public var maxRelativeError: Double {
      let scale = max(analytic.data.map(abs).max() ?? 0, 1e-12) * 1e-3
      return zip(analytic.data, numeric.data).map { GradientCheck.relativeError($0, $1, floor: scale) }.max() ?? 0
    }
  }

  /// Builds `f` on a fresh graph from leaves holding `inputs`, back-propagates, and compares every entry's
  /// gradient with the central difference of `f` with respect to that entry.
  public static func check(_ inputs: [Tensor], step h: Double = 1e-6, _ f: (Graph, [Var]) -> Var) -> [Result] {
    let graph = Graph()
    let leaves = inputs.map { graph.leaf($0) }
    let output = f(graph, leaves)
    graph.backward(output)
    let analytic = leaves.map { graph.grad($0) }

    func evaluate(_ values: [Tensor]) -> Double {
      let g = Graph()
      return g.scalar(f(g, values.map { g.leaf($0) }))
    }

    return inputs.indices.map { k in
      var numeric = Tensor(zeros: inputs[k].shape)
      var values = inputs
      for i in 0..<inputs[k].count {
        numeric.data[i] = centralDifference(at: inputs[k].data[i], step: h) { x in
          values[k].data[i] = x
          defer { values[k].data[i] = inputs[k].data[i] }
          return evaluate(values)
        }
      }
      return Result(input: k, analytic: analytic[k], numeric: numeric)
    }
  }
}
