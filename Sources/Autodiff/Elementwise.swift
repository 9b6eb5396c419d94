// Elementwise ops: each forward, then its backward rule, with the derivative in one line.

extension Graph {
  private func sameShape(_ a: Var, _ b: Var, _ op: String) -> [Int] {
    let (sa, sb) = (shape(a), shape(b))
    precondition(sa == sb, "\(op): shapes \(sa) and \(sb) differ")
    return sa
  }

  /// a + b (same shapes).
  public func add(_ a: Var, _ b: Var) -> Var {
    let (v, out) = record(.add(a, b), shape: sameShape(a, b, "add"))
    let (x, y) = (node(a).value, node(b).value)
    for i in 0..<out.value.count { out.value[i] = x[i] + y[i] }
    return v
  }

  // d(a+b): da += dy, db += dy
  func addBackward(_ out: Node, _ a: Var, _ b: Var) {
    let (ga, gb) = (node(a).grad, node(b).grad)
    for i in 0..<out.grad.count {
      ga[i] += out.grad[i]
      gb[i] += out.grad[i]
    }
  }

  /// a − b (same shapes).
  public func sub(_ a: Var, _ b: Var) -> Var {
    let (v, out) = record(.sub(a, b), shape: sameShape(a, b, "sub"))
    let (x, y) = (node(a).value, node(b).value)
    for i in 0..<out.value.count { out.value[i] = x[i] - y[i] }
    return v
  }

  // d(a−b): da += dy, db −= dy
  func subBackward(_ out: Node, _ a: Var, _ b: Var) {
    let (ga, gb) = (node(a).grad, node(b).grad)
    for i in 0..<out.grad.count {
      ga[i] += out.grad[i]
      gb[i] -= out.grad[i]
    }
  }

  /// a ⊙ b, elementwise (same shapes).
  public func mul(_ a: Var, _ b: Var) -> Var {
    let (v, out) = record(.mul(a, b), shape: sameShape(a, b, "mul"))
    let (x, y) = (node(a).value, node(b).value)
    for i in 0..<out.value.count { out.value[i] = x[i] * y[i] }
    return v
  }

  // d(a⊙b): da += dy⊙b, db += dy⊙a
  func mulBackward(_ out: Node, _ a: Var, _ b: Var) {
    let (na, nb) = (node(a), node(b))
    let (x, y) = (na.value, nb.value)
    for i in 0..<out.grad.count {
      let g = out.grad[i]
      na.grad[i] += g * y[i]
      nb.grad[i] += g * x[i]
    }
  }

  /// c·a for a constant c.
  public func scale(_ a: Var, _ c: Double) -> Var {
    let (v, out) = record(.scale(a, c), shape: shape(a))
    let x = node(a).value
    for i in 0..<out.value.count { out.value[i] = c * x[i] }
    return v
  }

  // d(c·a): da += c·dy
  func scaleBackward(_ out: Node, _ a: Var, _ c: Double) {
    let ga = node(a).grad
    for i in 0..<out.grad.count { ga[i] += c * out.grad[i] }
  }

  /// x + b with the vector b added to every row of the matrix x (the bias of a Linear layer).
  public func addBias(_ x: Var, _ b: Var) -> Var {
    let (sx, sb) = (shape(x), shape(b))
    precondition(sx.count == 2 && sb == [sx[1]], "add_bias: bias \(sb) does not fit rows of \(sx)")
    let (v, out) = record(.addBias(x, b), shape: sx)
    let (xs, bs) = (node(x).value, node(b).value)
    let cols = sx[1]
    for r in 0..<sx[0] {
      for c in 0..<cols { out.value[r * cols + c] = xs[r * cols + c] + bs[c] }
    }
    return v
  }

  // d(x + 1·bᵀ): dx += dy, db += Σ_rows dy
  func addBiasBackward(_ out: Node, _ x: Var, _ b: Var) {
    let (gx, gb) = (node(x).grad, node(b).grad)
    let cols = out.shape[1]
    for r in 0..<out.shape[0] {
      for c in 0..<cols {
        let g = out.grad[r * cols + c]
        gx[r * cols + c] += g
        gb[c] += g
      }
    }
  }

  /// max(0, a), elementwise.
  public func relu(_ a: Var) -> Var {
    let (v, out) = record(.relu(a), shape: shape(a))
    let x = node(a).value
    for i in 0..<out.value.count { out.value[i] = x[i] > 0 ? x[i] : 0 }
    return v
  }

  // d relu: da += dy where a > 0 (the gradient at exactly 0 is 0, as in PyTorch)
  func reluBackward(_ out: Node, _ a: Var) {
    let na = node(a)
    for i in 0..<out.grad.count where na.value[i] > 0 { na.grad[i] += out.grad[i] }
  }
}
