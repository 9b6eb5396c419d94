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

  /// The workspaces of the pieces of one product, handed to the threads that compute them.
  let piecePointers = UnsafeMutablePointer<UnsafeMutablePointer<Double>>.allocate(capacity: Graph.maxPieces)

  deinit {
    for buffer in buffers { buffer.pointer.deallocate() }
    piecePointers.deallocate()
  }
}

/// The operands of one product, to hand to other threads (they point into the graph's buffers, which outlive the
/// call, and each thread writes its own columns or rows of C).
private struct GemmOperands: @unchecked Sendable {
  let a: UnsafePointer<Double>, b: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>
  let workspaces: UnsafeMutablePointer<UnsafeMutablePointer<Double>>
}

extension Graph {
  /// Multiply-adds per piece when a product is cut up for two threads: a thread hand-off costs a few µs, a piece
  /// of 2¹⁹ multiply-adds ~12 µs on one core. Pieces rather than halves, so that when another process holds one
  /// core the other thread takes on more of them instead of the product waiting for the slower half.
  static let parallelPiece = 1 << 19
  /// At most this many pieces (each needs its own packing space).
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
    // Cut C into pieces along its columns (or, when it is narrow, its rows) on micro-tile boundaries. Each entry's
    // sum runs in the same order whatever the cut, so the result does not depend on the number of threads.
    let (tileRows, tileColumns) = (qkv_gemm_tile_rows(), qkv_gemm_tile_columns())
    let alongColumns = n >= 2 * tileColumns
    let (length, tile) = alongColumns ? (n, tileColumns) : (m, tileRows)
    let tiles = (length + tile - 1) / tile
    let pieces = Self.gemmThreads < 2 ? 1 : min(Self.maxPieces, tiles, m * n * k / Self.parallelPiece)
    guard pieces >= 2 else {
      let workspace = gemmWorkspace.pointer(0, count: qkv_gemm_workspace_count(m, n, k))
      qkv_gemm(m, n, k, a, lda, ta, b, ldb, tb, c, n, acc, workspace)
      return
    }
    let pieceLength = (tiles + pieces - 1) / pieces * tile
    let (pieceM, pieceN) = alongColumns ? (m, pieceLength) : (pieceLength, n)
    for i in 0..<pieces {
      gemmWorkspace.piecePointers[i] = gemmWorkspace.pointer(i, count: qkv_gemm_workspace_count(pieceM, pieceN, k))
    }
    let operands = GemmOperands(a: a, b: b, c: c, workspaces: gemmWorkspace.piecePointers)
    DispatchQueue.concurrentPerform(iterations: pieces) { i in
      let start = i * pieceLength
      let size = min(pieceLength, length - start)
      guard size > 0 else { return }
      let workspace = operands.workspaces[i]
      if alongColumns {  // columns start..<start+size: B's columns (or stored rows), C's columns
        let bPiece = operands.b + (transposeB ? start * k : start)
        qkv_gemm(m, size, k, operands.a, lda, ta, bPiece, ldb, tb, operands.c + start, n, acc, workspace)
      } else {  // rows start..<start+size: A's rows (or stored columns), C's rows
        let aPiece = operands.a + (transposeA ? start : start * k)
        qkv_gemm(size, n, k, aPiece, lda, ta, operands.b, ldb, tb, operands.c + start * n, n, acc, workspace)
      }
    }
  }
}
