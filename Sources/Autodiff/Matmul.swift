// Matrix products and transposition.

extension Graph {
  /// op(a)·op(b), where op transposes when asked: `matmul(x, w, transposeB: true)` is x·Wᵀ, a Linear layer.
  public func matmul(_ a: Var, _ b: Var, transposeA: Bool = false, transposeB: Bool = false) -> Var {
    let (sa, sb) = (shape(a), shape(b))
    precondition(sa.count == 2 && sb.count == 2, "matmul needs matrices, got \(sa) and \(sb)")
    let (m, k) = transposeA ? (sa[1], sa[0]) : (sa[0], sa[1])
    let (k2, n) = transposeB ? (sb[1], sb[0]) : (sb[0], sb[1])
    precondition(k == k2, "matmul: inner sizes \(k) and \(k2) differ (\(sa) · \(sb))")
    let (v, out) = record(.matmul(a, b, transposeA: transposeA, transposeB: transposeB), shape: [m, n])
    gemm(m, n, k, UnsafePointer(node(a).value.baseAddress!), transposeA: transposeA,
         UnsafePointer(node(b).value.baseAddress!), transposeB: transposeB,
         out.value.baseAddress!, accumulate: false)
    return v
  }

  // d(A·B): dA += dC·Bᵀ, dB += Aᵀ·dC (with the stored layouts of A and B respected)
  func matmulBackward(_ out: Node, _ a: Var, _ b: Var, _ transposeA: Bool, _ transposeB: Bool) {
    let (na, nb) = (node(a), node(b))
    let (m, n) = (out.shape[0], out.shape[1])
    let k = transposeA ? na.shape[0] : na.shape[1]
    let dC = UnsafePointer(out.grad.baseAddress!)
    let (A, B) = (UnsafePointer(na.value.baseAddress!), UnsafePointer(nb.value.baseAddress!))
    if transposeA {  // A stored [k,m]: dA += op(B)·dCᵀ
      gemm(k, m, n, B, transposeA: transposeB, dC, transposeB: true, na.grad.baseAddress!, accumulate: true)
    } else {  // dA[m,k] += dC·op(B)ᵀ
      gemm(m, k, n, dC, transposeA: false, B, transposeB: !transposeB, na.grad.baseAddress!, accumulate: true)
    }
    if transposeB {  // B stored [n,k]: dB += dCᵀ·op(A)
      gemm(n, k, m, dC, transposeA: true, A, transposeB: transposeA, nb.grad.baseAddress!, accumulate: true)
    } else {  // dB[k,n] += op(A)ᵀ·dC
      gemm(k, n, m, A, transposeA: !transposeA, dC, transposeB: false, nb.grad.baseAddress!, accumulate: true)
    }
  }

  /// aᵀ of a matrix.
  public func transpose(_ a: Var) -> Var {
    let sa = shape(a)
    precondition(sa.count == 2, "transpose needs a matrix, got \(sa)")
    let (v, out) = record(.transpose(a), shape: [sa[1], sa[0]])
    let x = node(a).value
    for i in 0..<sa[0] {
      for j in 0..<sa[1] { out.value[j * sa[0] + i] = x[i * sa[1] + j] }
    }
    return v
  }

  // d(aᵀ): da += dyᵀ
  func transposeBackward(_ out: Node, _ a: Var) {
    let na = node(a)
    let (r, c) = (na.shape[0], na.shape[1])
    for i in 0..<r {
      for j in 0..<c { na.grad[i * c + j] += out.grad[j * r + i] }
    }
  }
}
