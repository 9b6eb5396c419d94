import Foundation
import Dispatch
import _CKernels

/// Packing space for the GEMM kernels, one buffer per thread, grown to the largest product seen and then reused:
/// products allocate nothing in the steady state.
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

/// The operands of one product, to hand to a second thread (they point into the graph's buffers, which outlive
/// the call, and the two threads write disjoint halves of C).
private struct GemmOperands: @unchecked Sendable {
  let a: UnsafePointer<Double>, b: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>
  let workspaces: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>)
}

extension Graph {
  /// Products of at least this many multiply-adds are split over two threads: below it the hand-off costs more
  /// than it saves (measured on 2 cores: a thread hop is a few µs, 2²⁰ multiply-adds take ~25 µs on one).
  static let parallelThreshold = 1 << 20
  /// Two threads when the machine has two cores to spare for them.
  static let gemmThreads = min(2, ProcessInfo.processInfo.activeProcessorCount)

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
    let tileColumns = qkv_gemm_tile_columns()
    guard m * n * k >= Self.parallelThreshold, Self.gemmThreads >= 2, n >= 2 * tileColumns else {
      let workspace = gemmWorkspace.pointer(0, count: qkv_gemm_workspace_count(m, n, k))
      qkv_gemm(m, n, k, a, lda, ta, b, ldb, tb, c, n, acc, workspace)
      return
    }
    // Two halves of C's columns, the split on a tile boundary; each element's sum runs in the same order as on
    // one thread, so the result does not depend on the thread count.
    let left = (n / 2 + tileColumns - 1) / tileColumns * tileColumns
    let widths = (left, n - left)
    let operands = GemmOperands(
      a: a, b: b, c: c,
      workspaces: (gemmWorkspace.pointer(0, count: qkv_gemm_workspace_count(m, widths.0, k)),
                   gemmWorkspace.pointer(1, count: qkv_gemm_workspace_count(m, widths.1, k))))
    DispatchQueue.concurrentPerform(iterations: 2) { half in
      let (start, width) = half == 0 ? (0, widths.0) : (left, widths.1)
      let bHalf = operands.b + (transposeB ? start * k : start)
      qkv_gemm(m, width, k, operands.a, lda, ta, bHalf, ldb, tb, operands.c + start, n, acc,
               half == 0 ? operands.workspaces.0 : operands.workspaces.1)
    }
  }
}
