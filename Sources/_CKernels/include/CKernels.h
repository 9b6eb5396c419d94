// _CKernels: the engine's numeric kernels in C, so they can use the widest vectors the CPU has (chosen at run
// time) while the binary still runs on any x86-64 and builds on arm64. No stable API: only Autodiff calls it.
#ifndef QKV_CKERNELS_H
#define QKV_CKERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// C[m,n] = op(A)·op(B) (or += when `accumulate`), row-major with leading dimensions (row strides) lda, ldb, ldc.
/// op(A) is [m,k]: A is stored [m,k], or [k,m] when `trans_a`. op(B) is [k,n]: B is stored [k,n], or [n,k] when
/// `trans_b`. `workspace` holds at least `qkv_gemm_workspace_count(m, n, k)` doubles, 64-byte aligned, and is
/// private to the call (two threads computing halves of C need one each).
void qkv_gemm(long m, long n, long k,
              const double *a, long lda, int trans_a,
              const double *b, long ldb, int trans_b,
              double *c, long ldc, int accumulate,
              double *workspace);

/// One product for `qkv_gemm_tasks`: the arguments of `qkv_gemm` but the workspace.
typedef struct {
  long m, n, k;
  const double *a;
  long lda;
  int trans_a;
  const double *b;
  long ldb;
  int trans_b;
  double *c;
  long ldc;
  int accumulate;
} qkv_gemm_task;

/// Runs up to 8 products on the calling thread and the helper thread together; returns when all are done. The
/// tasks must write disjoint parts of memory; `workspace` must fit any of them (the helper has its own). Runs
/// everything on the calling thread when another thread has the helper (or it has lately been too slow).
void qkv_gemm_tasks(const qkv_gemm_task *tasks, long count, double *workspace);

/// One piece of a loop for `qkv_parallel_range`: the loop's body for indices [begin, end).
typedef void (*qkv_range_body)(void *context, long begin, long end);

/// Runs `body` over [0, count) cut into `pieces` (2 to 8) consecutive ranges, shared with the helper thread like
/// `qkv_gemm_tasks` (all on the calling thread when the helper cannot be had). The ranges must write disjoint
/// memory.
void qkv_parallel_range(long count, long pieces, qkv_range_body body, void *context);

/// Claims the helper thread for deferred products (`qkv_gemm_async`) until `qkv_async_end`; returns 0 when it
/// cannot be had (another thread has it, or it has lately had no core of its own): then run everything here.
int qkv_async_begin(void);

/// Queues a product for the helper (after `qkv_async_begin` returned 1); it runs while the caller goes on. The
/// caller must not touch what the task writes, nor change what it reads, until `qkv_async_wait`. Queued tasks
/// may run in any order, at the same time: they must write disjoint memory. `workspace` (the caller's, used when
/// the queue is full and the caller runs queued tasks itself) must fit any queued task.
void qkv_gemm_async(const qkv_gemm_task *task, double *workspace);

/// Returns when every queued product has finished; the caller runs what the helper has not started yet.
void qkv_async_wait(double *workspace);

/// `qkv_async_wait`, then gives the helper back (a no-op when this thread does not have it).
void qkv_async_end(double *workspace);

/// The number of doubles of workspace `qkv_gemm` needs for an m×n×k product (at most about 1.5 MB's worth).
long qkv_gemm_workspace_count(long m, long n, long k);

/// out[j] = exp(x[j] − shift) for j < n, and returns their sum (the numerator and denominator of a softmax row
/// when `shift` is the row's max). Accurate to about 1 ulp; exp(−∞) = 0 exactly.
double qkv_exp_sum(const double *x, double shift, double *out, long n);

/// y[i] += alpha·x[i] for i < n (plain SGD is qkv_axpy(n, −lr, grad, value)).
void qkv_axpy(long n, double alpha, const double *x, double *y);

/// The kernel `qkv_gemm` uses on this CPU: "avx512", "avx2" or "generic".
const char *qkv_gemm_kernel_name(void);

/// The micro-tile width (columns of C per kernel call) of the kernel in use: thread splits align to it.
long qkv_gemm_tile_columns(void);

/// The micro-tile height (rows of C per kernel call) of the kernel in use.
long qkv_gemm_tile_rows(void);

#ifdef __cplusplus
}
#endif

#endif
