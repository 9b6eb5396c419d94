/// Why the full-screen explainer cannot run here; `description` is one line meant for the user.
public enum TerminalError: Error, Equatable, Sendable, CustomStringConvertible {
  /// stdin or stdout (named) is a file, a pipe or /dev/null.
  case notATerminal(stream: String)
  /// TERM is unset or empty.
  case terminalTypeUnset
  /// No terminfo entry for TERM (or no terminfo database at all).
  case unknownTerminalType(String)
  /// The terminal cannot move the cursor (TERM=dumb and friends).
  case cannotMoveCursor(terminalType: String)
  /// Input ended while running (the terminal went away without a hang-up signal).
  case inputClosed

  public var description: String {
    let plain = "`qkv render` for plain text"
    switch self {
    case .notATerminal(let stream):
      return "qkv needs a terminal: \(stream) is not a terminal (try \(plain))"
    case .terminalTypeUnset:
      return "qkv needs a terminal: TERM is not set (try TERM=xterm-256color, or \(plain))"
    case .unknownTerminalType(let type):
      return "qkv needs a terminal: TERM=\(type) is not a terminal type this system knows "
        + "(try TERM=xterm-256color, or \(plain))"
    case .cannotMoveCursor(let type):
      return "qkv needs a terminal: TERM=\(type) cannot move the cursor (try TERM=xterm-256color, or \(plain))"
    case .inputClosed:
      return "qkv stopped: the terminal's input was closed"
    }
  }
}
