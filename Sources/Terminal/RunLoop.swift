import Explainer
import _CNcurses

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension TerminalSession {
  /// The longest wait for a key before the loop looks at the signal flag again; a signal normally cuts the
  /// wait short anyway (the handlers are installed without SA_RESTART).
  static let pollMilliseconds = 100
  /// Keys read in one go before the screen is redrawn, so held-down keys do not queue up frames.
  static let keysPerFrame = 64
  /// get_wch failing at once this many times in a row, when it should have waited, means input is gone.
  static let instantFailureLimit = 50

  /// Feeds the program keys, resizes and ticks, and draws after each batch, until it quits or `interrupted`
  /// returns a signal number (SIGINT becomes Ctrl-C for a program that `capturesInterrupt`).
  static func loop<P: Program>(_ program: inout P, screen: inout Screen, interrupted: () -> Int32?)
    throws(TerminalError) -> Ending
  {
    let clock = ContinuousClock()
    let (width, height) = screen.size
    if program.update(.resize(width: width, height: height)) == .quit { return .quit }
    screen.draw(program.view(width: width, height: height))
    var nextTick: ContinuousClock.Instant?
    var instantFailures = 0

    while true {
      var messages: [Message] = []
      if let signal = interrupted() {
        // In cbreak mode the terminal turns Ctrl-C into SIGINT before we could read it as a key.
        guard signal == SIGINT, program.capturesInterrupt else { return .signal(signal) }
        messages.append(.key(.control("c")))
      }
      if let interval = program.tickInterval {
        if nextTick == nil { nextTick = clock.now.advanced(by: interval) }
      } else {
        nextTick = nil
      }
      let wait = messages.isEmpty ? nextTick.map { milliseconds(until: $0, from: clock.now) } ?? pollMilliseconds : 0

      var resized = false
      let started = clock.now
      var next = readInput(timeoutMilliseconds: wait)
      if next == nil, wait >= 10, started.duration(to: clock.now) < .milliseconds(1) {
        instantFailures += 1
        if instantFailures >= instantFailureLimit { throw .inputClosed }
      } else {
        instantFailures = 0
      }
      while let input = next {
        switch input {
        case .key(let key): messages.append(.key(key))
        case .resize:
          let (width, height) = screen.size
          messages.append(.resize(width: width, height: height))
          resized = true
        }
        next = messages.count < keysPerFrame ? readInput(timeoutMilliseconds: 0) : nil
      }
      if let due = nextTick, let interval = program.tickInterval, clock.now >= due {
        messages.append(.tick)
        // After a slow frame, tick again one interval from now rather than catching up in a burst.
        nextTick = max(due.advanced(by: interval), clock.now)
      }
      if messages.isEmpty { continue }

      for message in messages where program.update(message) == .quit { return .quit }
      if resized { screen.clearAll() }
      let (width, height) = screen.size
      screen.draw(program.view(width: width, height: height))
    }
  }

  /// The next decodable input, waiting at most `timeoutMilliseconds` (0: only what is already there).
  /// Inputs the program has no use for are skipped; nil when nothing came.
  private static func readInput(timeoutMilliseconds: Int) -> Input? {
    wtimeout(qkv_stdscr(), Int32(timeoutMilliseconds))
    while true {
      var value: wint_t = 0
      let status = get_wch(&value)
      if status == ERR { return nil }
      if let input = KeyDecoding.decode(status: status, value: UInt32(value)) { return input }
    }
  }

  /// Whole milliseconds from `now` until `deadline`, rounded up, between 0 and `pollMilliseconds`.
  static func milliseconds(until deadline: ContinuousClock.Instant, from now: ContinuousClock.Instant) -> Int {
    let (seconds, attoseconds) = now.duration(to: deadline).components
    let total = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    return Int(min(max(total, 0), Int64(pollMilliseconds)))
  }
}
