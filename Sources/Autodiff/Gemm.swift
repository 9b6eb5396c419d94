import Foundation
import _CKernels

/// Packing space for the GEMM kernels on the calling thread (the helper thread has its own), grown to the largest
/// product seen and then reused: products allocate nothing in the steady state.
final class GemmWorkspace {
  @exclusivity(unchecked) private var buffer =
    (pointer: UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64), count: 8)

  /// At least `count` doubles, 64-byte aligned.
  func pointer(count: Int) -> UnsafeMutablePointer<Double> {
    if buffer.count < count {
      buffer.pointer.deallocate()
      buffer = (UnsafeMutableRawPointer.allocate(byteCount: count * 8, alignment: 64), count)
      // Touched now, so its pages count from the start rather than as products first reach them.
      buffer.pointer.initializeMemory(as: Double.self, repeating: 0, count: count)
    }
    return buffer.pointer.bindMemory(to: Double.self, capacity: buffer.count)
  }

  /// Room for the tasks handed to the helper thread (an array per call would allocate).
  let tasks = UnsafeMutablePointer<qkv_gemm_task>.allocate(capacity: 4)

  deinit {
    buffer.pointer.deallocate()
    tasks.deallocate()
  }
}

extension Graph {
  /// Products of at least two of these many multiply-adds are shared with a helper thread (see
  /// _CKernels/parallel.c); 2¹⁸ take ~6 µs on one core. Measured: sharing smaller ones gains nothing at T32 D64
  /// (the operands must move to the other core's cache first), sharing these gains at T128 D256.
  static let parallelPiece = 1 << 18
  /// Two threads when the machine has two cores (QKV_THREADS=1 keeps every product on the calling thread).
  static let gemmThreads = ProcessInfo.processInfo.environment["QKV_THREADS"] == "1"
    ? 1 : min(2, ProcessInfo.processInfo.activeProcessorCount)

  /// C[m,n] (+)= op(A)·op(B) as a kernel task: op(A) is [m,k] (A stored [k,m] when `transposeA`), op(B) is [k,n]
  /// (B stored [n,k] when `transposeB`). With `accumulate` false, C is overwritten.
  func product(
    _ m: Int, _ n: Int, _ k: Int,
    _ a: UnsafePointer<Double>, transposeA: Bool,
    _ b: UnsafePointer<Double>, transposeB: Bool,
    _ c: UnsafeMutablePointer<Double>, accumulate: Bool
  ) -> qkv_gemm_task {
    qkv_gemm_task(m: m, n: n, k: k, a: a, lda: transposeA ? m : k, trans_a: transposeA ? 1 : 0,
                  b: b, ldb: transposeB ? k : n, trans_b: transposeB ? 1 : 0, c: c, ldc: n,
                  accumulate: accumulate ? 1 : 0)
  }

  /// Runs one product, shared with the helper thread when it is big. All matrix products of the engine come here,
  /// to `gemmPair` or to `gemmLater`; the blocked SIMD kernels are in _CKernels.
  func gemm(_ task: qkv_gemm_task) { runStaged(stage(task)) }

  /// Runs two independent products (the two gradients of a matrix product), one per thread when both are big.
  func gemmPair(_ first: qkv_gemm_task, _ second: qkv_gemm_task) {
    let small = min(first.m * first.n * first.k, second.m * second.n * second.k) < Self.parallelPiece
    let staged = gemmWorkspace.tasks
    if Self.gemmThreads < 2 || small {
      gemm(first)
      gemm(second)
    } else if let (a, b) = halves(first), let (c, d) = halves(second) {
      // Four pieces taken in turn: each thread starts on a different product, and whichever finishes first
      // takes a third piece, so a helper slowed by fetching operands from the other core's cache costs less.
      (staged[0], staged[1], staged[2], staged[3]) = (a, c, b, d)
      runStaged(4)
    } else {
      (staged[0], staged[1]) = (first, second)
      runStaged(2)
    }
  }

  /// Puts `task` in `gemmWorkspace.tasks` cut for two threads, and returns into how many pieces: quarters when it
  /// is big enough (the thread that finishes first takes more of them; they alternate between the halves), halves
  /// when it is big, else whole.
  private func stage(_ task: qkv_gemm_task) -> Int {
    let (size, staged) = (task.m * task.n * task.k, gemmWorkspace.tasks)
    if Self.gemmThreads >= 2, size >= 4 * Self.parallelPiece, let (left, right) = halves(task),
       let (a, b) = halves(left), let (c, d) = halves(right) {
      (staged[0], staged[1], staged[2], staged[3]) = (a, c, b, d)
      return 4
    }
    if Self.gemmThreads >= 2, size >= 2 * Self.parallelPiece, let (left, right) = halves(task) {
      (staged[0], staged[1]) = (left, right)
      return 2
    }
    staged[0] = task
    return 1
  }

  /// A product cut in two along C's columns (or its rows, when it is narrow) on micro-tile boundaries; every
  /// entry's sum runs in the same order as uncut, so the result does not depend on the number of threads.
  private func halves(_ t: qkv_gemm_task) -> (qkv_gemm_task, qkv_gemm_task)? {
    var (first, second) = (t, t)
    let tileColumns = qkv_gemm_tile_columns()
    if t.n >= 2 * tileColumns {
      let cut = (t.n / 2 + tileColumns - 1) / tileColumns * tileColumns
      (first.n, second.n) = (cut, t.n - cut)
      second.b = t.b + (t.trans_b != 0 ? cut * t.ldb : cut)
      second.c = t.c + cut
    } else {
      let tileRows = qkv_gemm_tile_rows()
      let cut = (t.m / 2 + tileRows - 1) / tileRows * tileRows
      guard cut < t.m else { return nil }
      (first.m, second.m) = (cut, t.m - cut)
      second.a = t.a + (t.trans_a != 0 ? cut : cut * t.lda)
      second.c = t.c + cut * t.ldc
    }
    return (first, second)
  }

  /// Runs the first `count` tasks of `gemmWorkspace.tasks`: one on this thread, two to four shared with the helper.
  private func runStaged(_ count: Int) {
    let staged = gemmWorkspace.tasks
    var doubles = deferredWorkspace  // the workspace must also fit queued products this thread may take
    for i in 0..<count { doubles = max(doubles, qkv_gemm_workspace_count(staged[i].m, staged[i].n, staged[i].k)) }
    let workspace = gemmWorkspace.pointer(count: doubles)
    if count == 1 {
      let t = staged[0]
      qkv_gemm(t.m, t.n, t.k, t.a, t.lda, t.trans_a, t.b, t.ldb, t.trans_b, t.c, t.ldc, t.accumulate, workspace)
    } else {
      qkv_gemm_tasks(staged, count, workspace)
    }
  }

  // MARK: Deferred products

  /// Whether `task`, a contribution to `target`'s gradient, can be left to the helper thread while this thread
  /// goes on: `target` must be a leaf (no backward rule reads a leaf's gradient, only whoever calls `backward`,
  /// after it returns) and the product big enough to be worth handing over.
  func canDefer(_ task: qkv_gemm_task, to target: Node) -> Bool {
    guard defersLeafGradients, Self.gemmThreads >= 2, task.m * task.n * task.k >= Self.parallelPiece,
          case .leaf = target.op else { return false }
    if !triedHelper {
      triedHelper = true
      hasHelper = qkv_async_begin() == 1
    }
    return hasHelper
  }

  /// Queues `task` for the helper thread, cut as `gemm` cuts a product (this thread takes the pieces still queued
  /// when it comes to wait). The weight gradients of a backward pass go here: nothing reads them until SGD, so the
  /// helper computes them while this thread carries the gradient on towards the inputs.
  func gemmLater(_ task: qkv_gemm_task, to target: Node) {
    target.hasDeferredContribution = true
    deferredTargets.append(target)
    deferredProducts += 1
    deferredWorkspace = max(deferredWorkspace, qkv_gemm_workspace_count(task.m, task.n, task.k))
    let workspace = gemmWorkspace.pointer(count: deferredWorkspace)
    let count = stage(task)
    for i in 0..<count { qkv_gemm_async(gemmWorkspace.tasks + i, workspace) }
  }

  /// Waits for every queued product (running those the helper has not started); with `release`, also gives the
  /// helper back for the next backward pass (or another graph).
  func finishDeferred(release: Bool) {
    if hasHelper {
      let workspace = gemmWorkspace.pointer(count: deferredWorkspace)
      if release { qkv_async_end(workspace) } else { qkv_async_wait(workspace) }
    }
    for target in deferredTargets { target.hasDeferredContribution = false }
    deferredTargets.removeAll(keepingCapacity: true)
    if release { (triedHelper, hasHelper) = (false, false) }
  }

  // MARK: Loops

  /// Forward elementwise loops and SGD over at least this many numbers (a Linear layer's output at T128 D256 has
  /// 2¹⁵, one head's scores 2¹⁴) are cut in two and shared with the helper thread, which would otherwise wait
  /// through them: measured at T128 D256, steps are 3–5% faster for the forward loops, 2–4% for SGD. Backward
  /// rules are not cut: there the helper is busy with weight gradients (see `gemmLater`).
  static let parallelLoop = 1 << 14

  /// Runs `body` over 0..<count — in two halves, one per thread, when the loop touches at least `parallelLoop`
  /// numbers (`work`). The halves must write disjoint memory. The body is a C function (the helper thread calls
  /// it from C) that finds what it works on in `operands`: a Swift closure capturing them would be allocated on
  /// every call, and a training step allocates nothing.
  @inline(__always)
  func splitting(_ count: Int, work: Int, _ operands: LoopOperands, _ body: LoopBody) {
    var operands = operands
    withUnsafeMutablePointer(to: &operands) {
      if Self.gemmThreads >= 2, work >= Self.parallelLoop, count >= 2 {
        qkv_parallel_range(count, 2, body, $0)
      } else {
        body($0, 0, count)
      }
    }
  }
}

/// What a loop cut by `Graph.splitting` reads and writes: up to three arrays, a number and a width.
struct LoopOperands {
  var a: UnsafeMutablePointer<Double>
  var b: UnsafeMutablePointer<Double>
  var out: UnsafeMutablePointer<Double>
  var number = 0.0
  var cols = 0
  var flag = false

  init(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>? = nil,
       out: UnsafeMutablePointer<Double>, number: Double = 0, cols: Int = 0, flag: Bool = false) {
    (self.a, self.b, self.out) = (a, b ?? a, out)
    (self.number, self.cols, self.flag) = (number, cols, flag)
  }

  /// The operands a loop body was given (its first argument).
  static func of(_ context: UnsafeMutableRawPointer?) -> LoopOperands { context!.load(as: LoopOperands.self) }
}

/// The body of a loop cut by `Graph.splitting`, for indices begin..<end.
typealias LoopBody = @convention(c) (UnsafeMutableRawPointer?, Int, Int) -> Void
