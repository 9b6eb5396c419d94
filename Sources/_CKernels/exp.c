// qkv_exp_sum: exp of a row shifted by its max, and the row's total: the inner loop of softmax and of
// cross-entropy's log-sum-exp, vectorized (libm's exp is called one number at a time). And qkv_axpy, the SGD
// update, in the widest vectors the CPU has.
#include "CKernels.h"

#include <stdint.h>
#include <string.h>

// exp(d) = 2^k · exp(r) with k = round(d / ln 2) and r = d − k·ln 2, |r| ≤ ln 2 / 2. exp(r) is its Taylor
// polynomial to degree 13 (the remainder is below 1e-17 of it); ln 2 is split Cody–Waite style (ln2_hi has 32
// significant bits, so k·ln2_hi is exact) and 2^k is built in two halves so subnormal results come out right.
// Accurate to about 1 ulp; below −745.13 the result is exactly 0, above 709.78 it is +∞, and NaN stays NaN.
#define EXP_BODY                                                                                          \
  static inline __attribute__((always_inline)) double exp_one(double d) {                               \
    const double shifter = 0x1.8p52;  /* adding it rounds to an integer held in the low mantissa bits */ \
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;               \
    double clamped = d < -746.0 ? -746.0 : (d > 710.0 ? 710.0 : d);                                      \
    double t = clamped * 1.4426950408889634074 + shifter;                                                \
    double k = t - shifter;                                                                              \
    int64_t t_bits, shifter_bits;                                                                        \
    memcpy(&t_bits, &t, 8);                                                                              \
    memcpy(&shifter_bits, &shifter, 8);                                                                  \
    int64_t ki = t_bits - shifter_bits;                                                                  \
    double r = (clamped - k * ln2_hi) - k * ln2_lo;                                                      \
    double p = 1.0 / 6227020800.0;                                                                       \
    p = p * r + 1.0 / 479001600.0;                                                                       \
    p = p * r + 1.0 / 39916800.0;                                                                        \
    p = p * r + 1.0 / 3628800.0;                                                                         \
    p = p * r + 1.0 / 362880.0;                                                                          \
    p = p * r + 1.0 / 40320.0;                                                                           \
    p = p * r + 1.0 / 5040.0;                                                                            \
    p = p * r + 1.0 / 720.0;                                                                             \
    p = p * r + 1.0 / 120.0;                                                                             \
    p = p * r + 1.0 / 24.0;                                                                              \
    p = p * r + 1.0 / 6.0;                                                                               \
    p = p * r + 0.5;                                                                                     \
    p = p * r + 1.0;                                                                                     \
    p = p * r + 1.0;                                                                                     \
    int64_t k1 = ki >> 1, k2 = ki - k1;                                                                  \
    int64_t s1_bits = (k1 + 1023) << 52, s2_bits = (k2 + 1023) << 52;                                    \
    double s1, s2;                                                                                       \
    memcpy(&s1, &s1_bits, 8);                                                                            \
    memcpy(&s2, &s2_bits, 8);                                                                            \
    double e = p * s1 * s2;                                                                              \
    e = d < -745.2 ? 0.0 : e;                                                                            \
    return d > 709.8 ? __builtin_inf() : e;                                                              \
  }

// One copy per instruction set; the loops vectorize to the width the target allows. The total is summed in eight
// interleaved partial sums (a single running sum could not be vectorized), the same order on every target.
#define EXP_SUM(name, target)                                                                            \
  target static double name(const double *x, double shift, double *out, long n) {                        \
    /* rows are short (T entries): a masked last vector instead of a scalar remainder loop */           \
    _Pragma("clang loop vectorize(enable) vectorize_predicate(enable) interleave_count(1)")              \
    for (long j = 0; j < n; ++j) out[j] = exp_one(x[j] - shift);                                         \
    double partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                                        \
    long j = 0;                                                                                          \
    for (; j + 8 <= n; j += 8)                                                                           \
      for (int lane = 0; lane < 8; ++lane) partial[lane] += out[j + lane];                               \
    for (int lane = 0; j < n; ++j, ++lane) partial[lane] += out[j];                                      \
    return ((partial[0] + partial[1]) + (partial[2] + partial[3])) +                                     \
           ((partial[4] + partial[5]) + (partial[6] + partial[7]));                                      \
  }

EXP_BODY

#if defined(__x86_64__)
EXP_SUM(exp_sum_avx512, __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma"))))
EXP_SUM(exp_sum_avx2, __attribute__((target("avx2,fma"))))
#endif
EXP_SUM(exp_sum_generic, )

#define AXPY(name, target)                                                                               \
  target static void name(long n, double alpha, const double *x, double *y) {                           \
    /* no fused multiply-add: the update is exactly y − lr·x rounded twice, as everywhere else */       \
    _Pragma("clang fp contract(off)")                                                                     \
    for (long i = 0; i < n; ++i) y[i] += alpha * x[i];                                                   \
  }

#if defined(__x86_64__)
AXPY(axpy_avx512, __attribute__((target("avx512f,avx512vl,avx2,fma"))))
AXPY(axpy_avx2, __attribute__((target("avx2,fma"))))
#endif
AXPY(axpy_generic, )

void qkv_axpy(long n, double alpha, const double *x, double *y) {
  const char *kernel = qkv_gemm_kernel_name();
#if defined(__x86_64__)
  if (kernel[0] == 'a' && kernel[3] == '5') return axpy_avx512(n, alpha, x, y);
  if (kernel[0] == 'a') return axpy_avx2(n, alpha, x, y);
#endif
  (void)kernel;
  axpy_generic(n, alpha, x, y);
}

double qkv_exp_sum(const double *x, double shift, double *out, long n) {
  const char *kernel = qkv_gemm_kernel_name();  // the same choice of instruction set as the products
#if defined(__x86_64__)
  if (kernel[0] == 'a' && kernel[3] == '5') return exp_sum_avx512(x, shift, out, n);
  if (kernel[0] == 'a') return exp_sum_avx2(x, shift, out, n);
#endif
  (void)kernel;
  return exp_sum_generic(x, shift, out, n);
}
