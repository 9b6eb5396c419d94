// qkv_gemm: one blocked GEMM (gemm_body.h) compiled for AVX-512, for AVX2+FMA and for the baseline, with the
// choice made at run time from the CPU's feature bits, so no build flag ties the binary to one CPU.
#include "CKernels.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define KC 256
// Products of at most this many multiply-adds (that fit one block) skip packing where they can.
#define SMALL_PRODUCT (1L << 18)

#if defined(__x86_64__)
#define GEMM_NAME gemm_avx512
#define GEMM_TARGET __attribute__((target("avx512f,avx512vl,avx2,fma")))
#define VW 8
#define MR 8
#define NV 2
#include "gemm_body.h"

#define GEMM_NAME gemm_avx2
#define GEMM_TARGET __attribute__((target("avx2,fma")))
#define VW 4
#define MR 6
#define NV 2
#include "gemm_body.h"
#endif

// The baseline (SSE2 on x86-64, NEON on arm64): 2-wide vectors.
#define GEMM_NAME gemm_generic
#define GEMM_TARGET
#define VW 2
#define MR 4
#define NV 2
#include "gemm_body.h"

typedef enum { KERNEL_GENERIC, KERNEL_AVX2, KERNEL_AVX512 } kernel_kind;

static kernel_kind detect(void) {
  // QKV_GEMM_KERNEL=generic|avx2 picks a narrower kernel than the CPU allows (to test or compare them).
  const char *wanted = getenv("QKV_GEMM_KERNEL");
  if (wanted && strcmp(wanted, "generic") == 0) return KERNEL_GENERIC;
#if defined(__x86_64__)
  __builtin_cpu_init();
  int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (wanted && strcmp(wanted, "avx2") == 0 && avx2) return KERNEL_AVX2;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) return KERNEL_AVX512;
  if (avx2) return KERNEL_AVX2;
#endif
  return KERNEL_GENERIC;
}

// Read on every call, from both threads: two first calls at once both detect, and store the same answer.
static atomic_int cached_kind = -1;

static kernel_kind kind(void) {
  int known = atomic_load_explicit(&cached_kind, memory_order_relaxed);
  if (known < 0) {
    known = (int)detect();
    atomic_store_explicit(&cached_kind, known, memory_order_relaxed);
  }
  return (kernel_kind)known;
}

void qkv_gemm(long m, long n, long k, const double *a, long lda, int trans_a, const double *b, long ldb,
              int trans_b, double *c, long ldc, int accumulate, double *workspace) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {  // an empty sum: C = 0, or C unchanged
    if (!accumulate)
      for (long i = 0; i < m; ++i)
        for (long j = 0; j < n; ++j) c[i * ldc + j] = 0;
    return;
  }
  switch (kind()) {
#if defined(__x86_64__)
  case KERNEL_AVX512:
    gemm_avx512(m, n, k, a, lda, trans_a, b, ldb, trans_b, c, ldc, accumulate, workspace);
    return;
  case KERNEL_AVX2:
    gemm_avx2(m, n, k, a, lda, trans_a, b, ldb, trans_b, c, ldc, accumulate, workspace);
    return;
#endif
  default:
    gemm_generic(m, n, k, a, lda, trans_a, b, ldb, trans_b, c, ldc, accumulate, workspace);
  }
}

long qkv_gemm_workspace_count(long m, long n, long k) {
  switch (kind()) {
#if defined(__x86_64__)
  case KERNEL_AVX512: return gemm_avx512_workspace_count(m, n, k);
  case KERNEL_AVX2: return gemm_avx2_workspace_count(m, n, k);
#endif
  default: return gemm_generic_workspace_count(m, n, k);
  }
}

const char *qkv_gemm_kernel_name(void) {
  switch (kind()) {
  case KERNEL_AVX512: return "avx512";
  case KERNEL_AVX2: return "avx2";
  default: return "generic";
  }
}

long qkv_gemm_tile_columns(void) {
  switch (kind()) {
#if defined(__x86_64__)
  case KERNEL_AVX512: return gemm_avx512_tile;
  case KERNEL_AVX2: return gemm_avx2_tile;
#endif
  default: return gemm_generic_tile;
  }
}

long qkv_gemm_tile_rows(void) {
  switch (kind()) {
#if defined(__x86_64__)
  case KERNEL_AVX512: return gemm_avx512_rows;
  case KERNEL_AVX2: return gemm_avx2_rows;
#endif
  default: return gemm_generic_rows;
  }
}
