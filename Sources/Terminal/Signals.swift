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

/// The handlers for the signals that end a session, installed before initscr so ncurses leaves them to us.
struct SignalTrap {
  static let endingSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
  private var saved: [(signal: Int32, action: sigaction)] = []

  init() {
    receivedSignal.store(0, ordering: .relaxed)
    for signal in Self.endingSignals {
      var previous = sigaction()
      let installed = qkv_catch_signal(signal, { receivedSignal.store($0, ordering: .relaxed) }, &previous)
      if installed == 1 { saved.append((signal, previous)) }
    }
  }

  /// The signal that arrived, if any.
  var received: Int32? {
    let signal = receivedSignal.load(ordering: .relaxed)
    return signal == 0 ? nil : signal
  }

  /// Puts back whatever handled these signals before.
  func restore() {
    for (signal, action) in saved {
      var action = action
      qkv_restore_signal(signal, &action)
    }
  }
}
