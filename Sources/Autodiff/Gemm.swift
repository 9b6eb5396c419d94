import Foundation
import _CKernels

/// Packing space for the GEMM kernels, one buffer per thread (the caller's and the helper's), grown to the
/// largest product seen and then reused: products allocate nothing in the steady state.
final class GemmWorkspace {
  @exclusivity(unchecked) private var buffers: [(pointer: UnsafeMutableRawPointer, count: Int)] = []

  /// At least `count` doubles, 64-byte aligned, for thread `index`.
  func pointer(_ index: Int, count: Int) -> UnsafeMutablePointer<Double> {
    while buffers.count <= index { buffers.append((UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64), 8)) }
    if buffers[index].count < count {
      buffers[index].pointer.deallocate()
      buffers[index] = (UnsafeMutableRawPointer.allocate(byteCount: count * 8, alignment: 64), count)
    }
    return buffers[index].pointer.bindMemory(to: Double.self, capacity: buffers[index].count)
  }

  deinit { for buffer in buffers { buffer.pointer.deallocate() } }
}

extension Graph {
  /// Multiply-adds per piece when a product is shared with a helper thread (see _CKernels/parallel.c): a piece
  /// of 2¹⁸ takes ~6 µs on one core. Measured: smaller pieces gain nothing at T32 D64 (the operands must move
  /// to the other core's cache), and products of two such pieces and up gain at T128 D256.
  static let parallelPiece = 1 << 18
  /// Products are cut into at most this many pieces, claimed one by one by the two threads.
  static let maxPieces = 8
  /// Two threads when the machine has two cores (QKV_THREADS=1 keeps every product on the calling thread).
  static let gemmThreads = ProcessInfo.processInfo.environment["QKV_THREADS"] == "1"
    ? 1 : min(2, ProcessInfo.processInfo.activeProcessorCount)

  /// C[m,n] (+)= op(A)·op(B): op(A) is [m,k] (A stored [k,m] when `transposeA`), op(B) is [k,n] (B stored [n,k]
  /// when `transposeB`). With `accumulate` false, C is overwritten. All matrix products of the engine come here;
  /// the blocked SIMD kernels are in _CKernels.
  func gemm(
    _ m: Int, _ n: Int, _ k: Int,
    _ a: UnsafePointer<Double>, transposeA: Bool,
    _ b: UnsafePointer<Double>, transposeB: Bool,
    _ c: UnsafeMutablePointer<Double>, accumulate: Bool
  ) {
    let (lda, ldb) = (transposeA ? m : k, transposeB ? k : n)
    let (ta, tb, acc): (Int32, Int32, Int32) = (transposeA ? 1 : 0, transposeB ? 1 : 0, accumulate ? 1 : 0)
    let workspaceCount = qkv_gemm_workspace_count(m, n, k)
    let pieces = Self.gemmThreads < 2 ? 1 : min(Self.maxPieces, m * n * k / Self.parallelPiece)
    if pieces >= 2 {
      qkv_gemm_threaded(m, n, k, a, lda, ta, b, ldb, tb, c, n, acc, pieces,
                        gemmWorkspace.pointer(0, count: workspaceCount), gemmWorkspace.pointer(1, count: workspaceCount))
    } else {
      qkv_gemm(m, n, k, a, lda, ta, b, ldb, tb, c, n, acc, gemmWorkspace.pointer(0, count: workspaceCount))
    }
  }
}
