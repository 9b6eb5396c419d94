// Matrix products and transposition.

extension Graph {
  /// op(a)·op(b), where op transposes when asked: `matmul(x, w, transposeB: true)` is x·Wᵀ, a Linear layer.
  public func matmul(_ a: Var, _ b: Var, transposeA: Bool = false, transposeB: Bool = false) -> Var {
    let (na, nb) = (node(a), node(b))
    precondition(na.shape.count == 2 && nb.shape.count == 2, "matmul needs matrices, got \(na.shape) and \(nb.shape)")
    let (m, k) = transposeA ? (na.cols, na.rows) : (na.rows, na.cols)
    let (k2, n) = transposeB ? (nb.cols, nb.rows) : (nb.rows, nb.cols)
    precondition(k == k2, "matmul: inner sizes \(k) and \(k2) differ (\(na.shape) · \(nb.shape))")
    let (v, out) = record(.matmul(a, b, transposeA: transposeA, transposeB: transposeB), rows: m, cols: n)
    gemm(product(m, n, k, na.value.constBase, transposeA: transposeA, nb.value.constBase, transposeB: transposeB,
                 out.value.mutableBase, accumulate: false))
    return v
  }

  // d(A·B): dA += dC·Bᵀ, dB += Aᵀ·dC (with the stored layouts of A and B respected)
  func matmulBackward(_ out: Node, _ a: Var, _ b: Var, _ transposeA: Bool, _ transposeB: Bool) {
    let (na, nb) = (node(a), node(b))
    let (m, n) = (out.rows, out.cols)
    let k = transposeA ? na.rows : na.cols
    let dC = out.grad.constBase
    let (A, B, dA, dB) = (na.value.constBase, nb.value.constBase, na.grad.mutableBase, nb.grad.mutableBase)
    // A stored [k,m]: dA += op(B)·dCᵀ; else dA[m,k] += dC·op(B)ᵀ
    let addA = beginContribution(na)
    let gradA = transposeA
      ? product(k, m, n, B, transposeA: transposeB, dC, transposeB: true, dA, accumulate: addA)
      : product(m, k, n, dC, transposeA: false, B, transposeB: !transposeB, dA, accumulate: addA)
    // B stored [n,k]: dB += dCᵀ·op(A); else dB[k,n] += op(A)ᵀ·dC. (After dA's flag: in a·aᵀ, dB adds to dA.)
    let addB = beginContribution(nb)
    let gradB = transposeB
      ? product(n, k, m, dC, transposeA: true, A, transposeB: transposeA, dB, accumulate: addB)
      : product(k, n, m, A, transposeA: !transposeA, dC, transposeB: false, dB, accumulate: addB)
    if na === nb {  // one buffer: the second product adds to the first's result, so one after the other
      gemm(gradA)
      gemm(gradB)
      return
    }
    // A leaf's gradient (a weight's, typically) is not read again in this pass: the helper thread can compute it
    // while this thread carries the other gradient on.
    switch (canDefer(gradA, to: na), canDefer(gradB, to: nb)) {
    case (false, false): gemmPair(gradA, gradB)
    case (true, false): gemmLater(gradA, to: na); gemm(gradB)
    case (false, true): gemmLater(gradB, to: nb); gemm(gradA)
    case (true, true): gemmLater(gradA, to: na); gemmLater(gradB, to: nb)
    }
  }

  /// aᵀ of a matrix.
  public func transpose(_ a: Var) -> Var {
    let na = node(a)
    precondition(na.shape.count == 2, "transpose needs a matrix, got \(na.shape)")
    let (r, c) = (na.rows, na.cols)
    let (v, out) = record(.transpose(a), rows: c, cols: r)
    for i in 0..<r {
      let x = na.valueRow(i)
      for j in 0..<c { out.valueRow(j)[i] = x[j] }
    }
    return v
  }

  // d(aᵀ): da += dyᵀ
  func transposeBackward(_ out: Node, _ a: Var) {
    let na = node(a)
    let add = beginContribution(na)
    for i in 0..<na.rows {
      let ga = na.gradRow(i)
      for j in 0..<na.cols { ga[j] = add ? ga[j] + out.gradRow(j)[i] : out.gradRow(j)[i] }
    }
  }
}

extension UnsafeMutableBufferPointer<Double> {
  /// The first element's address for a kernel that only reads (a placeholder when empty: nothing is read).
  var constBase: UnsafePointer<Double> { UnsafePointer(mutableBase) }

  /// The first element's address for a kernel (a placeholder when empty: nothing is written).
  var mutableBase: UnsafeMutablePointer<Double> {
    // An empty buffer may have no address; a kernel given zero sizes never dereferences it.
    baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<Double>.alignment)!
  }
}
