/// C[m,n] (+)= op(A)·op(B): op(A) is [m,k] (A stored [k,m] when `transposeA`), op(B) is [k,n] (B stored [n,k]
/// when `transposeB`). With `accumulate` false, C is overwritten. All matrix products of the engine come here.
func gemm(
  _ m: Int, _ n: Int, _ k: Int,
  _ a: UnsafePointer<Double>, transposeA: Bool,
  _ b: UnsafePointer<Double>, transposeB: Bool,
  _ c: UnsafeMutablePointer<Double>, accumulate: Bool
) {
  if !accumulate { c.update(repeating: 0, count: m * n) }
  switch (transposeA, transposeB) {
  case (false, false):
    // C[i,:] += A[i,p]·B[p,:] — the inner loop runs along rows of B and C.
    for i in 0..<m {
      let ci = c + i * n
      for p in 0..<k {
        let aip = a[i * k + p]
        let bp = b + p * n
        for j in 0..<n { ci[j] += aip * bp[j] }
      }
    }
  case (false, true):
    // C[i,j] += A[i,:]·B[j,:] — a dot product of two stored rows.
    for i in 0..<m {
      let ai = a + i * k
      for j in 0..<n {
        let bj = b + j * k
        var s = 0.0
        for p in 0..<k { s += ai[p] * bj[p] }
        c[i * n + j] += s
      }
    }
  case (true, false):
    // C[i,:] += A[p,i]·B[p,:]
    for p in 0..<k {
      let ap = a + p * m
      let bp = b + p * n
      for i in 0..<m {
        let api = ap[i]
        let ci = c + i * n
        for j in 0..<n { ci[j] += api * bp[j] }
      }
    }
  case (true, true):
    // C[i,j] += A[p,i]·B[j,p]
    for i in 0..<m {
      for j in 0..<n {
        var s = 0.0
        for p in 0..<k { s += a[p * m + i] * b[j * k + p] }
        c[i * n + j] += s
      }
    }
  }
}
