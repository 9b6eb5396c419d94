// Elementwise ops: each forward, then its backward rule, with the derivative in one line.

extension Graph {
  private func sameShape(_ a: Var, _ b: Var, _ op: String) -> (Node, Node) {
    let (na, nb) = (node(a), node(b))
    precondition(na.shape == nb.shape, "\(op): shapes \(na.shape) and \(nb.shape) differ")
    return (na, nb)
  }

  /// a + b (same shapes).
  public func add(_ a: Var, _ b: Var) -> Var {
    let (na, nb) = sameShape(a, b, "add")
    let (v, out) = record(.add(a, b), like: na)
    let count = out.value.count
    splitting(count, work: count, LoopOperands(na.value.mutableBase, nb.value.mutableBase, out: out.value.mutableBase)) {
      let o = LoopOperands.of($0)
      for i in $1..<$2 { o.out[i] = o.a[i] + o.b[i] }
    }
    return v
  }

  // d(a+b): da += dy, db += dy
  func addBackward(_ out: Node, _ a: Var, _ b: Var) {
    passGradient(to: node(a), out)
    passGradient(to: node(b), out)
  }

  /// a − b (same shapes).
  public func sub(_ a: Var, _ b: Var) -> Var {
    let (na, nb) = sameShape(a, b, "sub")
    let (v, out) = record(.sub(a, b), like: na)
    let (x, y, z) = (na.value, nb.value, out.value)
    for i in 0..<z.count { z[i] = x[i] - y[i] }
    return v
  }

  // d(a−b): da += dy, db −= dy
  func subBackward(_ out: Node, _ a: Var, _ b: Var) {
    passGradient(to: node(a), out)
    contribute(to: node(b), out) { dy, _ in -dy }
  }

  /// a ⊙ b, elementwise (same shapes).
  public func mul(_ a: Var, _ b: Var) -> Var {
    let (na, nb) = sameShape(a, b, "mul")
    let (v, out) = record(.mul(a, b), like: na)
    let (x, y, z) = (na.value, nb.value, out.value)
    for i in 0..<z.count { z[i] = x[i] * y[i] }
    return v
  }

  // d(a⊙b): da += dy⊙b, db += dy⊙a
  func mulBackward(_ out: Node, _ a: Var, _ b: Var) {
    let (na, nb) = (node(a), node(b))
    let (x, y) = (na.value, nb.value)
    contribute(to: na, out) { dy, i in dy * y[i] }
    contribute(to: nb, out) { dy, i in dy * x[i] }
  }

  /// c·a for a constant c.
  public func scale(_ a: Var, _ c: Double) -> Var {
    let na = node(a)
    let (v, out) = record(.scale(a, c), like: na)
    let count = out.value.count
    splitting(count, work: count, LoopOperands(na.value.mutableBase, out: out.value.mutableBase, number: c)) {
      let o = LoopOperands.of($0)
      for i in $1..<$2 { o.out[i] = o.number * o.a[i] }
    }
    return v
  }

  // d(c·a): da += c·dy
  func scaleBackward(_ out: Node, _ a: Var, _ c: Double) {
    contribute(to: node(a), out) { dy, _ in c * dy }
  }

  /// x + b with the vector b added to every row of the matrix x (the bias of a Linear layer).
  public func addBias(_ x: Var, _ b: Var) -> Var {
    let (nx, nb) = (node(x), node(b))
    precondition(nx.shape.count == 2 && nb.shape.count == 1 && nb.cols == nx.cols,
                 "add_bias: bias \(nb.shape) does not fit rows of \(nx.shape)")
    let (v, out) = record(.addBias(x, b), like: nx)
    let operands = LoopOperands(nx.value.mutableBase, nb.value.mutableBase, out: out.value.mutableBase, cols: nx.cols)
    splitting(nx.rows, work: nx.value.count, operands) {
      let o = LoopOperands.of($0)
      for r in $1..<$2 {
        let (xr, zr) = (o.a + r * o.cols, o.out + r * o.cols)
        for c in 0..<o.cols { zr[c] = xr[c] + o.b[c] }
      }
    }
    return v
  }

  // d(x + 1·bᵀ): dx += dy, db += Σ_rows dy
  func addBiasBackward(_ out: Node, _ x: Var, _ b: Var) {
    passGradient(to: node(x), out)
    let (gb, cols) = (gradForPartialContribution(node(b)), out.cols)
    for r in 0..<out.rows {
      let dyr = out.gradRow(r)
      for c in 0..<cols { gb[c] += dyr[c] }
    }
  }

  /// max(0, a), elementwise.
  public func relu(_ a: Var) -> Var {
    let na = node(a)
    let (v, out) = record(.relu(a), like: na)
    let count = out.value.count
    splitting(count, work: count, LoopOperands(na.value.mutableBase, out: out.value.mutableBase)) {
      let o = LoopOperands.of($0)
      for i in $1..<$2 { o.out[i] = o.a[i] > 0 ? o.a[i] : 0 }
    }
    return v
  }

  // d relu: da += dy where a > 0 (the gradient at exactly 0 is 0, as in PyTorch)
  func reluBackward(_ out: Node, _ a: Var) {
    let na = node(a)
    let x = na.value
    contribute(to: na, out) { dy, i in x[i] > 0 ? dy : 0 }
  }

  /// Adds `rule(dy[i], i)` into entry i of `input`'s gradient for every i (or writes it, on the pass's first
  /// contribution): the backward step of an elementwise op whose output is `out`.
  @inline(__always)
  func contribute(to input: Node, _ out: Node, _ rule: (Double, Int) -> Double) {
    let (g, dy) = (input.grad, out.grad)
    if beginContribution(input) {
      for i in 0..<g.count { g[i] += rule(dy[i], i) }
    } else {
      for i in 0..<g.count { g[i] = rule(dy[i], i) }
    }
  }
}
