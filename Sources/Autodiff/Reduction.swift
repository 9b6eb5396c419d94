// Reductions to a scalar.

extension Graph {
  /// Σ of every entry, a scalar.
  public func sum(_ a: Var) -> Var {
    let na = node(a)
    let (v, out) = recordScalar(.sum(a))
    out.value[0] = na.value.reduce(0, +)
    return v
  }

  /// The mean of every entry, a scalar.
  public func mean(_ a: Var) -> Var {
    let na = node(a)
    let (v, out) = recordScalar(.mean(a))
    out.value[0] = na.value.reduce(0, +) / Double(na.value.count)
    return v
  }

  // d Σ: da += dy (times 1/n for the mean)
  func sumBackward(_ out: Node, _ a: Var, _ factor: Double) {
    let na = node(a)
    let g = factor * out.grad[0]
    if beginContribution(na) { for i in 0..<na.grad.count { na.grad[i] += g } } else { na.grad.update(repeating: g) }
  }
}
