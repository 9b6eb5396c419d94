// qkv_gemm_threaded: one product cut into pieces shared by the calling thread and one helper thread.
//
// Handing work to a sleeping thread costs tens of µs on a virtual machine (a futex wake), more than a mid-size
// product takes, so the helper spins for a while after each piece of work, waiting for the next one, and only
// then sleeps. The pieces are claimed one at a time from a counter, so when another process holds one core the
// other thread does more of them rather than the product waiting for a slow half.
#include "CKernels.h"

#include <pthread.h>
#include <stdatomic.h>

#if defined(__x86_64__)
#define CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

// How long the helper spins before it sleeps: ~1 ms (a pause is some tens of cycles).
#define SPIN_LIMIT 40000
#define MAX_PIECES 8

typedef struct {
  long m, n, k, lda, ldb, ldc;
  const double *a, *b;
  double *c;
  int trans_a, trans_b, accumulate, along_columns;
  long piece_length, length, pieces;
  double *workspaces[2];
} job_t;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;  // one product at a time uses the helper
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int helper_started;
static job_t job;
static atomic_long job_number;   // bumped to hand the helper a new job
static atomic_long done_number;  // the last job the helper finished its share of
static atomic_long next_piece;
static atomic_int sleeping;

static void run_pieces(int thread) {
  for (;;) {
    long piece = atomic_fetch_add(&next_piece, 1);
    if (piece >= job.pieces) return;
    long start = piece * job.piece_length;
    long size = job.length - start < job.piece_length ? job.length - start : job.piece_length;
    if (job.along_columns) {  // columns start..<start+size of B (stored rows when transposed) and of C
      const double *b = job.b + (job.trans_b ? start * job.ldb : start);
      qkv_gemm(job.m, size, job.k, job.a, job.lda, job.trans_a, b, job.ldb, job.trans_b, job.c + start, job.ldc,
               job.accumulate, job.workspaces[thread]);
    } else {  // rows start..<start+size of A (stored columns when transposed) and of C
      const double *a = job.a + (job.trans_a ? start : start * job.lda);
      qkv_gemm(size, job.n, job.k, a, job.lda, job.trans_a, job.b, job.ldb, job.trans_b, job.c + start * job.ldc,
               job.ldc, job.accumulate, job.workspaces[thread]);
    }
  }
}

static void *helper(void *unused) {
  (void)unused;
  long seen = 0;
  for (;;) {
    for (long spins = 0; atomic_load(&job_number) == seen; ++spins) {
      if (spins < SPIN_LIMIT) {
        CPU_RELAX();
        continue;
      }
      // Sleep until woken. `sleeping` is set before job_number is read again and the caller bumps job_number
      // before it reads `sleeping` (both sequentially consistent), so a wake-up cannot be missed.
      pthread_mutex_lock(&sleep_lock);
      atomic_store(&sleeping, 1);
      while (atomic_load(&job_number) == seen) pthread_cond_wait(&wake, &sleep_lock);
      atomic_store(&sleeping, 0);
      pthread_mutex_unlock(&sleep_lock);
    }
    seen = atomic_load(&job_number);
    run_pieces(1);
    atomic_store(&done_number, seen);
  }
  return 0;
}

static int start_helper(void) {
  if (helper_started) return 1;
  pthread_t thread;
  if (pthread_create(&thread, 0, helper, 0) != 0) return 0;
  pthread_detach(thread);
  helper_started = 1;
  return 1;
}

void qkv_gemm_threaded(long m, long n, long k, const double *a, long lda, int trans_a, const double *b, long ldb,
                       int trans_b, double *c, long ldc, int accumulate, long pieces, double *workspace0,
                       double *workspace1) {
  // Pieces end on micro-tile boundaries; every entry of C is summed in the same order as by qkv_gemm alone.
  long tile_rows = qkv_gemm_tile_rows(), tile_columns = qkv_gemm_tile_columns();
  int along_columns = n >= 2 * tile_columns;
  long length = along_columns ? n : m, tile = along_columns ? tile_columns : tile_rows;
  long tiles = (length + tile - 1) / tile;
  if (pieces > tiles) pieces = tiles;
  if (pieces > MAX_PIECES) pieces = MAX_PIECES;
  if (pieces < 2 || pthread_mutex_trylock(&pool_lock) != 0) {  // too small, or another product has the helper
    qkv_gemm(m, n, k, a, lda, trans_a, b, ldb, trans_b, c, ldc, accumulate, workspace0);
    return;
  }
  if (!start_helper()) {
    pthread_mutex_unlock(&pool_lock);
    qkv_gemm(m, n, k, a, lda, trans_a, b, ldb, trans_b, c, ldc, accumulate, workspace0);
    return;
  }
  long piece_tiles = (tiles + pieces - 1) / pieces;
  job = (job_t){m, n, k, lda, ldb, ldc, a, b, c, trans_a, trans_b, accumulate, along_columns,
                piece_tiles * tile, length, (tiles + piece_tiles - 1) / piece_tiles, {workspace0, workspace1}};
  atomic_store(&next_piece, 0);
  long number = atomic_load(&job_number) + 1;
  atomic_store(&job_number, number);
  if (atomic_load(&sleeping)) {
    pthread_mutex_lock(&sleep_lock);
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&sleep_lock);
  }
  run_pieces(0);
  while (atomic_load(&done_number) != number) CPU_RELAX();
  pthread_mutex_unlock(&pool_lock);
}
