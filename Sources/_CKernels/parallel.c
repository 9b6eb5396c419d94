// qkv_gemm_tasks: independent products (or pieces of one) shared by the calling thread and one helper thread.
//
// Handing work to a sleeping thread costs tens of µs on a virtual machine (a futex wake), more than a mid-size
// product takes, so the helper spins for a while after each job, waiting for the next one, and only then
// sleeps. The tasks are claimed one at a time from a counter, so whichever thread is free takes the next.
#include "CKernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
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

static void relax(long spins) {
  if (spins % YIELD_EVERY == YIELD_EVERY - 1) {
    sched_yield();
  } else {
    CPU_RELAX();
  }
}
#define MAX_TASKS 8

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;  // one caller at a time uses the helper
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int helper_started;
static qkv_gemm_task tasks[MAX_TASKS];
static long task_count;
static double *workspaces[2];
static atomic_long job_number;   // bumped to hand the helper a new job
static atomic_long done_number;  // the last job the helper finished its share of
static atomic_long next_task;
static atomic_int sleeping;
// When the helper finishes its share much later than the caller finishes its own, the cores are busy with other
// work (or the helper was preempted holding a task): sharing then costs more than it saves, so the next products
// run on the calling thread alone for a while before sharing is tried again: 8 products at first, twice as many
// each time sharing is late again, up to 256, back to 8 once it pays.
static long backoff, backoff_length = 8;  // guarded by pool_lock

static double seconds_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void run_task(const qkv_gemm_task *t, double *workspace) {
  qkv_gemm(t->m, t->n, t->k, t->a, t->lda, t->trans_a, t->b, t->ldb, t->trans_b, t->c, t->ldc, t->accumulate,
           workspace);
}

static void run_tasks(int thread) {
  for (long i; (i = atomic_fetch_add(&next_task, 1)) < task_count;) run_task(&tasks[i], workspaces[thread]);
}

static void *helper(void *unused) {
  (void)unused;
  long seen = 0;
  for (;;) {
    for (long spins = 0; atomic_load(&job_number) == seen; ++spins) {
      if (spins < SPIN_LIMIT) {
        relax(spins);
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
    run_tasks(1);
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

static void run_here(const qkv_gemm_task *list, long count, double *workspace) {
  for (long i = 0; i < count; ++i) run_task(&list[i], workspace);
}

void qkv_gemm_tasks(const qkv_gemm_task *list, long count, double *workspace0, double *workspace1) {
  if (count < 2 || count > MAX_TASKS || pthread_mutex_trylock(&pool_lock) != 0) {
    run_here(list, count, workspace0);  // one task, or another caller has the helper
    return;
  }
  if (backoff > 0 || !start_helper()) {
    if (backoff > 0) --backoff;
    pthread_mutex_unlock(&pool_lock);
    run_here(list, count, workspace0);
    return;
  }
  for (long i = 0; i < count; ++i) tasks[i] = list[i];
  task_count = count;
  workspaces[0] = workspace0;
  workspaces[1] = workspace1;
  atomic_store(&next_task, 0);
  long number = atomic_load(&job_number) + 1;
  atomic_store(&job_number, number);
  if (atomic_load(&sleeping)) {
    pthread_mutex_lock(&sleep_lock);
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&sleep_lock);
  }
  double start = seconds_now();
  run_tasks(0);  // the caller takes tasks too, and all of them if the helper does not get a core in time
  double own = seconds_now() - start;
  for (long spins = 0; atomic_load(&done_number) != number; ++spins) relax(spins);
  if (seconds_now() - start > 2 * own + 20e-6) {
    backoff = backoff_length;
    backoff_length = backoff_length < 256 ? 2 * backoff_length : 256;
  } else {
    backoff_length = 8;
  }
  pthread_mutex_unlock(&pool_lock);
}
