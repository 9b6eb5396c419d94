// Glue between Swift and ncursesw: the macros and C globals Swift cannot import, as `static inline` functions.
// Internal to qkv's terminal backend; no stable API.
#ifndef QKV_CNCURSES_SHIM_H
#define QKV_CNCURSES_SHIM_H

// The wide-character API (get_wch, mvadd_wch, cchar_t, setcchar) is only declared with this set; pkg-config's
// -D_XOPEN_SOURCE would do it too, but SwiftPM drops that flag.
#define NCURSES_WIDECHAR 1
#include <ncurses.h>
#include <term.h>
#include <locale.h>
#include <langinfo.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <wchar.h>

// MARK: Globals (Swift 6 rejects mutable C globals as not concurrency-safe)

static inline WINDOW *qkv_stdscr(void) { return stdscr; }
static inline int qkv_colors(void) { return COLORS; }
static inline int qkv_color_pairs(void) { return COLOR_PAIRS; }
static inline int qkv_lines(void) { return LINES; }
static inline int qkv_cols(void) { return COLS; }

/// The size of the standard screen (getmaxyx is a macro). Parameter names avoid term.h's macros (`lines`, `columns`).
static inline void qkv_screen_size(int *qkv_height, int *qkv_width) {
  int y, x;
  getmaxyx(stdscr, y, x);
  *qkv_height = y;
  *qkv_width = x;
}

// MARK: Attributes and keys (macros)

static inline attr_t qkv_a_normal(void) { return A_NORMAL; }
static inline attr_t qkv_a_bold(void) { return A_BOLD; }
static inline attr_t qkv_a_dim(void) { return A_DIM; }
static inline attr_t qkv_a_reverse(void) { return A_REVERSE; }
static inline attr_t qkv_a_underline(void) { return A_UNDERLINE; }
static inline int qkv_key_f(int n) { return KEY_F(n); }

// MARK: Characters

// glibc declares wcwidth only under _XOPEN_SOURCE, which SwiftPM's system headers are built without.
extern int wcwidth(wchar_t);

/// Columns the character takes in the current locale: 1 or 2, 0 for combining marks, -1 if unprintable.
static inline int qkv_wcwidth(wchar_t character) { return wcwidth(character); }

// MARK: terminfo, before initscr (which exits the process on a bad TERM)

/// Whether the current terminfo entry has the string capability `name` (tigetstr: NULL absent, -1 not a string).
static inline int qkv_has_string_capability(const char *name) {
  const char *value = tigetstr(name);
  return value != NULL && value != (const char *)-1;
}

/// Frees the terminfo entry loaded by setupterm.
static inline void qkv_release_terminfo(void) { del_curterm(set_curterm(NULL)); }

/// The locale's character set, e.g. "UTF-8" or "ANSI_X3.4-1968".
static inline const char *qkv_codeset(void) { return nl_langinfo(CODESET); }

// MARK: Signals (struct sigaction's handler field is spelled differently on Linux and macOS)

/// Installs `handler` for `signal` unless it is ignored (as nohup and background jobs leave it), saving the old
/// action in `previous`. No SA_RESTART, so a blocking read returns when the signal arrives.
/// Returns 1 when installed, 0 when the signal was ignored and left alone, -1 on error.
static inline int qkv_catch_signal(int qkv_signal, void (*handler)(int), struct sigaction *previous) {
  if (sigaction(qkv_signal, NULL, previous) != 0) return -1;
  if (previous->sa_handler == SIG_IGN) return 0;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  return sigaction(qkv_signal, &action, NULL) == 0 ? 1 : -1;
}

/// Unblocks, in the calling thread, the signals a session relies on (the ending ones, SIGWINCH for resizes,
/// SIGTSTP/SIGCONT for Ctrl-Z): a parent that spawned us from a thread with them blocked passed that mask on.
/// The mask before is saved in `previous`.
static inline int qkv_unblock_session_signals(sigset_t *previous) {
  sigset_t wanted;
  sigemptyset(&wanted);
  int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP, SIGCONT};
  for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) sigaddset(&wanted, signals[i]);
  return pthread_sigmask(SIG_UNBLOCK, &wanted, previous);
}

/// Puts back a signal mask saved by qkv_unblock_session_signals.
static inline void qkv_restore_signal_mask(const sigset_t *previous) { pthread_sigmask(SIG_SETMASK, previous, NULL); }

/// Puts back an action saved by qkv_catch_signal.
static inline void qkv_restore_signal(int qkv_signal, const struct sigaction *previous) {
  sigaction(qkv_signal, previous, NULL);
}

// MARK: Crashes (a trap in the program's update or view must not leave the terminal in curses mode)

#define QKV_SIGNAL_LIMIT 65

/// The handlers qkv_catch_crash replaced, by signal number. A function-local static: Swift emits the
/// functions of an imported header, but not its file-scope variables. Each Swift file that calls a static
/// inline function gets its own copy (and its own table), so only Signals.swift calls the crash functions.
static inline struct sigaction *qkv_crash_previous(void) {
  static struct sigaction previous[QKV_SIGNAL_LIMIT];
  return previous;
}

/// Leaves curses mode and puts back the previous handler; returning re-runs the faulting instruction (or lets
/// abort() re-raise), which now reaches that handler (Swift's backtracer, or the default core dump) on a sane
/// terminal. endwin is not async-signal-safe, but the process is dying anyway and ncurses does the same.
static inline void qkv_leave_curses_on_crash(int qkv_signal) {
  endwin();
  sigaction(qkv_signal, &qkv_crash_previous()[qkv_signal], NULL);
}

/// Installs qkv_leave_curses_on_crash for a fault signal (SIGSEGV, SIGILL, …). Returns 0 on success.
static inline int qkv_catch_crash(int qkv_signal) {
  if (qkv_signal <= 0 || qkv_signal >= QKV_SIGNAL_LIMIT) return -1;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = qkv_leave_curses_on_crash;
  action.sa_flags = SA_ONSTACK;  // on the alternate stack when there is one, so a stack overflow is caught too
  sigemptyset(&action.sa_mask);
  return sigaction(qkv_signal, &action, &qkv_crash_previous()[qkv_signal]);
}

/// Puts back the handler qkv_catch_crash replaced.
static inline void qkv_release_crash(int qkv_signal) {
  if (qkv_signal <= 0 || qkv_signal >= QKV_SIGNAL_LIMIT) return;
  sigaction(qkv_signal, &qkv_crash_previous()[qkv_signal], NULL);
}

#endif
