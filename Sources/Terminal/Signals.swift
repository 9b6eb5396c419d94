import Synchronization
import _CNcurses

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The last of SIGINT, SIGTERM or SIGHUP received while running (0: none). Set from a signal handler, which may
/// only touch lock-free state; the run loop polls it.
let receivedSignal = Atomic<Int32>(0)

/// The handlers for the signals that end a session, installed before initscr so ncurses leaves them to us,
/// and for crashes, so the terminal is restored before a crash report. Lives on the thread that runs the session.
struct SignalTrap {
  static let endingSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
  /// Faults (a Swift trap is SIGILL or SIGTRAP): the handler only leaves curses mode and passes them on.
  static let crashSignals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]
  private var saved: [(signal: Int32, action: sigaction)] = []
  private var crashesCaught: [Int32] = []
  private var previousMask = sigset_t()

  init() {
    receivedSignal.store(0, ordering: .relaxed)
    qkv_unblock_session_signals(&previousMask)
    for signal in Self.endingSignals {
      var previous = sigaction()
      let installed = qkv_catch_signal(signal, { receivedSignal.store($0, ordering: .relaxed) }, &previous)
      if installed == 1 { saved.append((signal, previous)) }
    }
    crashesCaught = Self.crashSignals.filter { qkv_catch_crash($0) == 0 }
  }

  /// The signal that arrived since the last call, if any.
  func take() -> Int32? {
    let signal = receivedSignal.exchange(0, ordering: .relaxed)
    return signal == 0 ? nil : signal
  }

  /// Puts back whatever handled these signals before.
  func restore() {
    for signal in crashesCaught { qkv_release_crash(signal) }
    for (signal, action) in saved {
      var action = action
      qkv_restore_signal(signal, &action)
    }
    var mask = previousMask
    qkv_restore_signal_mask(&mask)
  }
}
