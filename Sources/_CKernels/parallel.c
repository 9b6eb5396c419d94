// Two threads for the engine: the calling thread and one helper thread, sharing work two ways.
//
// - Shared jobs: up to 8 pieces of products the caller needs now (qkv_gemm_tasks), or of a loop
//   (qkv_parallel_range). Both threads claim pieces one at a time; the caller takes whatever the helper has not,
//   so it never waits for a helper that is busy elsewhere, only for a piece the helper already started.
// - A queue of deferred products (qkv_gemm_async): work whose result is not needed until later — the weight
//   gradients of a backward pass, which only SGD reads. The helper takes them whenever it has no shared piece to
//   run; the caller carries on with its own chain of products and, at qkv_async_wait, takes what is still queued.
//
// Handing work to a sleeping thread costs tens of µs on a virtual machine (a futex wake), more than a mid-size
// product takes, so the helper spins for a while after each piece of work, waiting for the next, and only then
// sleeps.
#include "CKernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#define CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

// How long the helper spins before it sleeps: ~1 ms (a pause is some tens of cycles).
#define SPIN_LIMIT 40000
// A spinning thread yields the core this often, so that on a busy machine the thread it waits for (or another
// process) can run: spinning against a thread that has no core to run on would otherwise last a whole time slice.
#define YIELD_EVERY 64
#define MAX_TASKS 8
#define QUEUE_SIZE 64

static void relax(long spins) {
  if (spins % YIELD_EVERY == YIELD_EVERY - 1) {
    sched_yield();
  } else {
    CPU_RELAX();
  }
}

static double seconds_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void run_task(const qkv_gemm_task *t, double *workspace) {
  qkv_gemm(t->m, t->n, t->k, t->a, t->lda, t->trans_a, t->b, t->ldb, t->trans_b, t->c, t->ldc, t->accumulate,
           workspace);
}

static void run_here(const qkv_gemm_task *list, long count, double *workspace) {
  for (long i = 0; i < count; ++i) run_task(&list[i], workspace);
}

// One thread at a time owns the helper: for one shared job, or from qkv_async_begin to qkv_async_end.
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local int owns_pool;  // this thread is between qkv_async_begin and qkv_async_end
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int helper_started;
static double *helper_workspace;  // big enough for any product
static atomic_long work_posted;   // bumped whenever there is new work: the helper sleeps only while it is unchanged
static atomic_int sleeping;

// The shared job: `job_state` packs the job's number, its piece count and the next unclaimed piece
// (number << 16 | count << 8 | next), so a claim is one compare-and-swap that cannot take a piece of another job.
// `tasks` is not rewritten until every piece of the job has finished (`finished_tasks` == count).
// A job is either `tasks` or, when `range_body` is set, the pieces of one loop over [0, range_count).
static qkv_gemm_task tasks[MAX_TASKS];
static qkv_range_body range_body;
static void *range_context;
static long range_count;
static atomic_long job_state;
static atomic_long finished_tasks;

// The queue: tasks [queue_claimed, queue_tail) are waiting; queue_completed counts the finished ones (they finish
// in any order). Task i sits in slot i % QUEUE_SIZE; queue_base is queue_tail when the queue last ran empty, and
// at most QUEUE_SIZE tasks are queued after it before it runs empty again, so no slot is rewritten while its task
// may still be read.
static qkv_gemm_task queue[QUEUE_SIZE];
static atomic_long queue_tail, queue_claimed, queue_completed;
static long queue_base;  // only the owner of the helper reads and writes it

// When the helper turns out late (another process has the core, or it was preempted holding a piece), sharing costs
// more than it saves, so the next products run on the calling thread alone for a while before sharing is tried
// again: 8 jobs at first, twice as many each time sharing is late again, up to 256, back to 8 once it pays. The
// queue backs off the same way, counted in qkv_async_begin calls. Both are guarded by pool_lock.
typedef struct {
  long remaining, length;
} backoff;
static backoff job_backoff = {0, 8}, queue_backoff = {0, 8};

static int backing_off(backoff *b) {
  if (b->remaining == 0) return 0;
  --b->remaining;
  return 1;
}

static void judge(backoff *b, int late) {
  if (late) {
    b->remaining = b->length;
    b->length = b->length < 256 ? 2 * b->length : 256;
  } else {
    b->length = 8;
  }
}

// Claims and runs one piece of the shared job; returns whether there was one.
static int run_job_piece(double *workspace) {
  long state = atomic_load(&job_state);
  for (;;) {
    long count = (state >> 8) & 0xff, next = state & 0xff;
    if (next >= count) return 0;
    if (atomic_compare_exchange_weak(&job_state, &state, state + 1)) {
      if (range_body) {
        range_body(range_context, range_count * next / count, range_count * (next + 1) / count);
      } else {
        run_task(&tasks[next], workspace);
      }
      atomic_fetch_add(&finished_tasks, 1);
      return 1;
    }
  }
}

// Claims and runs one queued product; returns whether there was one.
static int run_queued(double *workspace) {
  long claimed = atomic_load(&queue_claimed);
  for (;;) {
    if (claimed >= atomic_load(&queue_tail)) return 0;
    if (atomic_compare_exchange_weak(&queue_claimed, &claimed, claimed + 1)) {
      run_task(&queue[claimed % QUEUE_SIZE], workspace);
      atomic_fetch_add(&queue_completed, 1);
      return 1;
    }
  }
}

static void *helper(void *unused) {
  (void)unused;
  long seen = atomic_load(&work_posted);
  for (long spins = 0;;) {
    // The caller waits for shared pieces now; queued products are needed later.
    if (run_job_piece(helper_workspace) || run_queued(helper_workspace)) {
      spins = 0;
      continue;
    }
    long now = atomic_load(&work_posted);
    if (now != seen) {
      seen = now;
      spins = 0;
      continue;
    }
    if (spins < SPIN_LIMIT) {
      relax(spins++);
      continue;
    }
    // Sleep until woken. `sleeping` is set before work_posted is read again and a poster bumps work_posted before
    // it reads `sleeping` (both sequentially consistent), so a wake-up cannot be missed.
    pthread_mutex_lock(&sleep_lock);
    atomic_store(&sleeping, 1);
    while (atomic_load(&work_posted) == seen) pthread_cond_wait(&wake, &sleep_lock);
    atomic_store(&sleeping, 0);
    pthread_mutex_unlock(&sleep_lock);
    spins = 0;
  }
  return 0;
}

static int start_helper(void) {
  if (helper_started) return 1;
  long doubles = qkv_gemm_workspace_count(1L << 30, 1L << 30, 1L << 30);  // the most any product needs
  size_t bytes = (size_t)(doubles + 7) / 8 * 64;
  helper_workspace = aligned_alloc(64, bytes);
  if (!helper_workspace) return 0;
  memset(helper_workspace, 0, bytes);  // its pages count from the start, not as products first reach them
  pthread_t thread;
  if (pthread_create(&thread, 0, helper, 0) != 0) {
    free(helper_workspace);
    helper_workspace = 0;
    return 0;
  }
  pthread_detach(thread);
  helper_started = 1;
  return 1;
}

static void post_work(void) {
  atomic_fetch_add(&work_posted, 1);
  if (atomic_load(&sleeping)) {
    pthread_mutex_lock(&sleep_lock);
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&sleep_lock);
  }
}

// Takes the helper for one shared job (or finds this thread has it already); 0 when it cannot be had.
static int begin_job(long count, int *held) {
  *held = owns_pool;
  if (count < 2 || count > MAX_TASKS || (!*held && pthread_mutex_trylock(&pool_lock) != 0)) return 0;
  if (backing_off(&job_backoff) || !start_helper()) {
    if (!*held) pthread_mutex_unlock(&pool_lock);
    return 0;
  }
  return 1;
}

// Posts the job set up in `tasks` or `range_*`, runs pieces until none is left, waits for the helper's pieces,
// and gives the helper back.
static void run_job(long count, int held, double *workspace) {
  atomic_store(&finished_tasks, 0);
  long number = (atomic_load(&job_state) >> 16) + 1;
  atomic_store(&job_state, number << 16 | count << 8);
  post_work();
  double start = seconds_now();
  while (run_job_piece(workspace)) {}  // the caller takes pieces too, all of them if the helper is busy
  double own = seconds_now() - start;
  for (long spins = 0; atomic_load(&finished_tasks) != count; ++spins) relax(spins);
  judge(&job_backoff, seconds_now() - start > 2 * own + 20e-6);
  if (!held) pthread_mutex_unlock(&pool_lock);
}

void qkv_gemm_tasks(const qkv_gemm_task *list, long count, double *workspace) {
  int held;
  if (!begin_job(count, &held)) {
    run_here(list, count, workspace);  // one task, or the helper cannot be had
    return;
  }
  for (long i = 0; i < count; ++i) tasks[i] = list[i];
  range_body = 0;
  run_job(count, held, workspace);
}

void qkv_parallel_range(long count, long pieces, qkv_range_body body, void *context) {
  int held;
  if (!begin_job(pieces, &held)) {
    body(context, 0, count);
    return;
  }
  range_body = body;
  range_context = context;
  range_count = count;
  run_job(pieces, held, 0);
}

int qkv_async_begin(void) {
  if (owns_pool) return 1;
  if (pthread_mutex_trylock(&pool_lock) != 0) return 0;
  if (backing_off(&queue_backoff) || !start_helper()) {
    pthread_mutex_unlock(&pool_lock);
    return 0;
  }
  owns_pool = 1;
  return 1;
}

void qkv_gemm_async(const qkv_gemm_task *task, double *workspace) {
  if (atomic_load(&queue_tail) - queue_base >= QUEUE_SIZE) qkv_async_wait(workspace);
  long tail = atomic_load(&queue_tail);
  queue[tail % QUEUE_SIZE] = *task;
  atomic_store(&queue_tail, tail + 1);
  post_work();
}

void qkv_async_wait(double *workspace) {
  while (run_queued(workspace)) {}
  double start = seconds_now();
  long tail = atomic_load(&queue_tail);
  for (long spins = 0; atomic_load(&queue_completed) != tail; ++spins) relax(spins);
  queue_base = tail;
  // Waiting for a piece the helper holds for longer than the caller's own work takes to come round again means
  // the helper has no core of its own.
  judge(&queue_backoff, seconds_now() - start > 1e-3);
}

void qkv_async_end(double *workspace) {
  if (!owns_pool) return;
  qkv_async_wait(workspace);
  owns_pool = 0;
  pthread_mutex_unlock(&pool_lock);
}
