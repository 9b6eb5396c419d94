// One cache-blocked GEMM, instantiated once per instruction set by gemm.c. Before including, define (the end of
// this file undefines them again):
//   GEMM_NAME  the function's name          GEMM_TARGET  its __attribute__((target)) string, or nothing
//   VW         doubles per vector           MR, NV       the micro-tile: MR rows × NV vectors (NR = NV·VW columns)
//
// The classic Goto/BLIS structure: B is packed into KC×NR column panels, A into MR×KC row panels, and an MR×NR
// micro-kernel keeps its tile of C in registers while it runs through KC rank-1 updates, each MR·NV fused
// multiply-adds fed by NV vector loads of B and MR broadcasts of A. Packing makes the four transposition cases
// one kernel: only the packing loops read A and B in their stored layouts.

#define NR (NV * VW)
#define MC (MR * 24)
#define NC (NR * 32)
#define GEMM_CAT2(a, b) a##b
#define GEMM_CAT(a, b) GEMM_CAT2(a, b)
#define VEC GEMM_CAT(GEMM_NAME, _vec)
#define UVEC GEMM_CAT(GEMM_NAME, _uvec)

typedef double VEC __attribute__((vector_size(VW * 8)));
typedef double UVEC __attribute__((vector_size(VW * 8), aligned(8)));  // unaligned access to C

/// MR consecutive doubles, copied in registers (a loop here would become a call to memcpy per row).
GEMM_TARGET static inline __attribute__((always_inline)) void GEMM_CAT(GEMM_NAME, _copy_row)(double *dst,
                                                                                             const double *src) {
#pragma clang loop unroll(full)
  for (int i = 0; i + VW <= MR; i += VW) *(UVEC *)(dst + i) = *(const UVEC *)(src + i);
#pragma clang loop unroll(full)
  for (int i = MR / VW * VW; i < MR; ++i) dst[i] = src[i];
}
#define copy_row GEMM_CAT(GEMM_NAME, _copy_row)

/// dst[i·dst_stride + r] = src[r·ld + i] for r, i < VW: a VW×VW block transposed in registers. Packing a
/// transposed operand one number at a time costs several cycles each (VW rows 2ᵏ doubles apart also collide in
/// the L1 cache); whole rows loaded and shuffled cost a fraction of that.
GEMM_TARGET static inline __attribute__((always_inline)) void GEMM_CAT(GEMM_NAME, _transpose)(
    const double *src, long ld, double *dst, long dst_stride) {
  VEC r[VW], col[VW];
#pragma clang loop unroll(full)
  for (int i = 0; i < VW; ++i) r[i] = *(const UVEC *)(src + i * ld);
#if VW == 8
  VEC t[8], u[8];
  for (int i = 0; i < 8; i += 2) {  // pairs: [a0 b0 a2 b2 a4 b4 a6 b6], [a1 b1 a3 b3 …]
    t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 2, 10, 4, 12, 6, 14);
    t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 1, 9, 3, 11, 5, 13, 7, 15);
  }
  for (int i = 0; i < 8; i += 4) {  // quads: columns 0 and 4, 1 and 5, 2 and 6, 3 and 7 of four rows
    u[i] = __builtin_shufflevector(t[i], t[i + 2], 0, 1, 8, 9, 4, 5, 12, 13);
    u[i + 1] = __builtin_shufflevector(t[i + 1], t[i + 3], 0, 1, 8, 9, 4, 5, 12, 13);
    u[i + 2] = __builtin_shufflevector(t[i], t[i + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    u[i + 3] = __builtin_shufflevector(t[i + 1], t[i + 3], 2, 3, 10, 11, 6, 7, 14, 15);
  }
  for (int i = 0; i < 4; ++i) {  // halves of eight rows
    col[i] = __builtin_shufflevector(u[i], u[i + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    col[i + 4] = __builtin_shufflevector(u[i], u[i + 4], 4, 5, 6, 7, 12, 13, 14, 15);
  }
#elif VW == 4
  VEC t0 = __builtin_shufflevector(r[0], r[1], 0, 4, 2, 6), t1 = __builtin_shufflevector(r[0], r[1], 1, 5, 3, 7);
  VEC t2 = __builtin_shufflevector(r[2], r[3], 0, 4, 2, 6), t3 = __builtin_shufflevector(r[2], r[3], 1, 5, 3, 7);
  col[0] = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
  col[1] = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
  col[2] = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
  col[3] = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
#else
  col[0] = __builtin_shufflevector(r[0], r[1], 0, 2);
  col[1] = __builtin_shufflevector(r[0], r[1], 1, 3);
#endif
#pragma clang loop unroll(full)
  for (int i = 0; i < VW; ++i) *(UVEC *)(dst + i * dst_stride) = col[i];
}

/// panel[p·width + i] = src[i·ld + p] for i < width (a multiple of VW) and p < kc: `width` stored rows packed
/// side by side, VW×VW blocks at a time.
GEMM_TARGET static inline __attribute__((always_inline)) void GEMM_CAT(GEMM_NAME, _pack_transposed)(
    const double *src, long ld, long kc, int width, double *restrict panel) {
  long p = 0;
  for (; p + VW <= kc; p += VW)
    for (int i = 0; i < width; i += VW)
      GEMM_CAT(GEMM_NAME, _transpose)(src + i * ld + p, ld, panel + p * width + i, width);
  for (; p < kc; ++p)
    for (int i = 0; i < width; ++i) panel[p * width + i] = src[i * ld + p];
}

/// panel[p·width + i] = first[i·ld + p] for the `valid` stored rows from `first` and p < kc, 0 for rows valid..<width
/// (width is MR or NR): the rows are read side by side, so the stores are contiguous (a strided store loop would
/// vectorize into scatters, which are slow).
GEMM_TARGET static inline __attribute__((always_inline)) void GEMM_CAT(GEMM_NAME, _pack_rows)(
    const double *first, long ld, long valid, int width, long kc, double *restrict panel) {
  const double *src[MR > NR ? MR : NR];
#pragma clang loop unroll(full)
  for (int i = 0; i < width; ++i) src[i] = first + (i < valid ? i : 0) * ld;
  for (long p = 0; p < kc; ++p) {
#pragma clang loop unroll(full)
    for (int i = 0; i < width; ++i) panel[p * width + i] = i < valid ? src[i][p] : 0;
  }
}

/// Rows ic..<ic+mc, columns pc..<pc+kc of op(A), as MR-row panels: panel r holds pa[r·MR·kc + p·MR + i].
/// Rows past m are zero, so the kernel always computes a full tile.
GEMM_TARGET static void GEMM_CAT(GEMM_NAME, _pack_a)(long mc, long kc, const double *a, long lda, int trans_a,
                                                     double *restrict pa) {
  for (long ir = 0; ir < mc; ir += MR) {
    long rows = mc - ir < MR ? mc - ir : MR;
    double *panel = pa + ir * kc;
    if (trans_a) {  // A stored [k,m]: MR consecutive values of one stored row per step
      for (long p = 0; p < kc; ++p) {
        const double *src = a + p * lda + ir;
        if (rows == MR) {
          copy_row(panel + p * MR, src);
        } else {
          for (long i = 0; i < rows; ++i) panel[p * MR + i] = src[i];
          for (long i = rows; i < MR; ++i) panel[p * MR + i] = 0;
        }
      }
    } else if (rows == MR && MR % VW == 0) {  // A stored [m,k], a full panel: VW×VW blocks transposed
      GEMM_CAT(GEMM_NAME, _pack_transposed)(a + ir * lda, lda, kc, MR, panel);
    } else {  // A stored [m,k], the last, shorter panel
      GEMM_CAT(GEMM_NAME, _pack_rows)(a + ir * lda, lda, rows, MR, kc, panel);
    }
  }
}

/// Rows pc..<pc+kc, columns jc..<jc+nc of op(B), as NR-column panels: panel c holds pb[c·NR·kc + p·NR + j].
GEMM_TARGET static void GEMM_CAT(GEMM_NAME, _pack_b)(long kc, long nc, const double *b, long ldb, int trans_b,
                                                     double *restrict pb) {
  long full = trans_b ? 0 : nc / NR * NR;
  // B stored [k,n]: the full panels are filled row by row of B, so B is read in order (a panel at a time would
  // read it in NR-wide strips, which the prefetcher serves worse).
  for (long p = 0; p < kc; ++p) {
    const double *src = b + p * ldb;
    for (long jr = 0; jr < full; jr += NR) {
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v) *(VEC *)(pb + jr * kc + p * NR + v * VW) = *(const UVEC *)(src + jr + v * VW);
    }
  }
  for (long jr = full; jr < nc; jr += NR) {
    long cols = nc - jr < NR ? nc - jr : NR;
    double *panel = pb + jr * kc;
    if (trans_b && cols == NR) {  // B stored [n,k], a full panel: VW×VW blocks transposed
      GEMM_CAT(GEMM_NAME, _pack_transposed)(b + jr * ldb, ldb, kc, NR, panel);
    } else if (trans_b) {  // B stored [n,k], the last, narrower panel: stored rows are columns of op(B)
      GEMM_CAT(GEMM_NAME, _pack_rows)(b + jr * ldb, ldb, cols, NR, kc, panel);
    } else {  // B stored [k,n], the last, narrower panel
      for (long p = 0; p < kc; ++p) {
        const double *src = b + p * ldb + jr;
        for (long j = 0; j < cols; ++j) panel[p * NR + j] = src[j];
        for (long j = cols; j < NR; ++j) panel[p * NR + j] = 0;
      }
    }
  }
}

/// Writes (or adds) the MR×NR tile `acc` into C; only mr rows and nr columns of it when the tile is at an edge.
GEMM_TARGET static inline __attribute__((always_inline)) void GEMM_CAT(GEMM_NAME, _store)(
    VEC acc[MR][NV], double *restrict c, long ldc, long mr, long nr, int overwrite) {
  if (mr == MR && nr == NR) {
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; ++i)
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v) {
        UVEC *dst = (UVEC *)(c + i * ldc + v * VW);
        *dst = overwrite ? acc[i][v] : *dst + acc[i][v];
      }
  } else {
    double tile[MR * NR];
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; ++i)
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v) *(UVEC *)(tile + i * NR + v * VW) = acc[i][v];
    for (long i = 0; i < mr; ++i)
      for (long j = 0; j < nr; ++j) c[i * ldc + j] = overwrite ? tile[i * NR + j] : c[i * ldc + j] + tile[i * NR + j];
  }
}

/// C[0..<mr, 0..<nr] (+)= Σ_p op(A)[i,p]·op(B)[p,j], the MR×NR tile held in MR·NV vector registers. Row i of
/// op(A) starts at a + i·a_rs and steps by a_ks (rows from `rows` on repeat the last one; their results are not
/// stored); row p of op(B) starts at b + p·b_ks. Packed panels are read with a_rs = 1, a_ks = MR, b_ks = NR;
/// small products are read where they lie, since they would spend more time packing than multiplying.
GEMM_TARGET static inline __attribute__((always_inline)) void GEMM_CAT(GEMM_NAME, _kernel)(
    long kc, const double *a, long a_rs, long a_ks, long rows, const double *b, long b_ks, double *restrict c,
    long ldc, long mr, long nr, int overwrite) {
  const double *row[MR];
#pragma clang loop unroll(full)
  for (int i = 0; i < MR; ++i) row[i] = a + (i < rows ? i : rows - 1) * a_rs;
  VEC acc[MR][NV];
#pragma clang loop unroll(full)
  for (int i = 0; i < MR; ++i)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v) acc[i][v] = (VEC){0};
  for (long p = 0; p < kc; ++p) {
    VEC bv[NV];
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v) bv[v] = *(const UVEC *)(b + p * b_ks + v * VW);
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; ++i) {
      double ai = row[i][p * a_ks];
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v) acc[i][v] += ai * bv[v];
    }
  }
  GEMM_CAT(GEMM_NAME, _store)(acc, c, ldc, mr, nr, overwrite);
}

/// A product small enough for one block (k ≤ KC, op(A) within MC rows, op(B) within NC columns): A is read in
/// place, B too when it is stored [k,n] and the tile is full width; otherwise one B panel at a time is packed.
GEMM_TARGET static void GEMM_CAT(GEMM_NAME, _small)(long m, long n, long k, const double *a, long lda, int trans_a,
                                                    const double *b, long ldb, int trans_b, double *c, long ldc,
                                                    int accumulate, double *workspace) {
  long a_rs = trans_a ? 1 : lda, a_ks = trans_a ? lda : 1;
  for (long jr = 0; jr < n; jr += NR) {
    long nr = n - jr < NR ? n - jr : NR;
    const double *panel = workspace;
    long b_ks = NR;
    if (!trans_b && nr == NR) {
      panel = b + jr;
      b_ks = ldb;
    } else {
      GEMM_CAT(GEMM_NAME, _pack_b)(k, nr, trans_b ? b + jr * ldb : b + jr, ldb, trans_b, workspace);
    }
    for (long ir = 0; ir < m; ir += MR) {
      long mr = m - ir < MR ? m - ir : MR;
      GEMM_CAT(GEMM_NAME, _kernel)(k, a + ir * a_rs, a_rs, a_ks, mr, panel, b_ks, c + ir * ldc + jr, ldc, mr, nr,
                                   !accumulate);
    }
  }
}

/// Doubles of packed A for an [m,k] operand: at most MC rows (rounded up to MR) by KC columns.
static long GEMM_CAT(GEMM_NAME, _packed_a_count)(long m, long k) {
  long rows = (m + MR - 1) / MR * MR;
  long count = (rows < MC ? rows : MC) * (k < KC ? k : KC);
  return (count + 7) / 8 * 8;  // packed B after it stays 64-byte aligned for the kernel's aligned loads
}

/// Doubles of workspace for one product: packed A, then packed B (at most KC rows by NC columns, rounded to NR).
static long GEMM_CAT(GEMM_NAME, _workspace_count)(long m, long n, long k) {
  long cols = (n + NR - 1) / NR * NR;
  return GEMM_CAT(GEMM_NAME, _packed_a_count)(m, k) + (k < KC ? k : KC) * (cols < NC ? cols : NC);
}

GEMM_TARGET static void GEMM_NAME(long m, long n, long k, const double *a, long lda, int trans_a, const double *b,
                                  long ldb, int trans_b, double *c, long ldc, int accumulate, double *workspace) {
  if (k <= KC && m <= MC && n <= NC && m * n * k <= SMALL_PRODUCT) {
    GEMM_CAT(GEMM_NAME, _small)(m, n, k, a, lda, trans_a, b, ldb, trans_b, c, ldc, accumulate, workspace);
    return;
  }
  double *pa = workspace, *pb = workspace + GEMM_CAT(GEMM_NAME, _packed_a_count)(m, k);
  for (long jc = 0; jc < n; jc += NC) {
    long nc = n - jc < NC ? n - jc : NC;
    for (long pc = 0; pc < k; pc += KC) {
      long kc = k - pc < KC ? k - pc : KC;
      GEMM_CAT(GEMM_NAME, _pack_b)(kc, nc, trans_b ? b + jc * ldb + pc : b + pc * ldb + jc, ldb, trans_b, pb);
      int overwrite = pc == 0 && !accumulate;  // the first K block writes C, later ones add to it
      for (long ic = 0; ic < m; ic += MC) {
        long mc = m - ic < MC ? m - ic : MC;
        GEMM_CAT(GEMM_NAME, _pack_a)(mc, kc, trans_a ? a + pc * lda + ic : a + ic * lda + pc, lda, trans_a, pa);
        for (long jr = 0; jr < nc; jr += NR) {
          long nr = nc - jr < NR ? nc - jr : NR;
          for (long ir = 0; ir < mc; ir += MR) {
            long mr = mc - ir < MR ? mc - ir : MR;
            GEMM_CAT(GEMM_NAME, _kernel)(kc, pa + ir * kc, 1, MR, MR, pb + jr * kc, NR, c + (ic + ir) * ldc + jc + jr,
                                         ldc, mr, nr, overwrite);
          }
        }
      }
    }
  }
}

enum { GEMM_CAT(GEMM_NAME, _tile) = NR, GEMM_CAT(GEMM_NAME, _rows) = MR };

#undef NR
#undef MC
#undef NC
#undef VEC
#undef UVEC
#undef copy_row
#undef GEMM_CAT
#undef GEMM_CAT2
#undef GEMM_NAME
#undef GEMM_TARGET
#undef VW
#undef MR
#undef NV
