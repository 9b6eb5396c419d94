import Explainer
import _CNcurses

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a `Program` full-screen in the terminal with ncurses; the only place qkv touches the terminal.
public enum TerminalSession {
  /// Why `run` returned.
  public enum Ending: Equatable, Sendable {
    /// The program asked to quit.
    case quit
    /// SIGINT, SIGTERM or SIGHUP arrived (the number); callers usually exit with 128 + it.
    case signal(Int32)
  }

  /// Checks stdin/stdout are terminals, TERM is usable (setupterm + cup), the locale; returns what it can show.
  public static func check() throws(TerminalError) -> Capabilities {
    setlocale(LC_ALL, "")
    let terminalColors = try probeTerminal()
    let colors = ColorMapping.capability(terminalColors: terminalColors, noColor: environment("NO_COLOR"))
    return Capabilities(colors: colors, unicode: isUTF8(String(cString: qkv_codeset())))
  }

  /// Runs a Program full-screen until it returns .quit or the user interrupts; always restores the terminal.
  /// While the program `capturesInterrupt`, Ctrl-C reaches it as `.key(.control("c"))` instead.
  @discardableResult
  public static func run<P: Program>(_ program: inout P, capabilities: Capabilities) throws(TerminalError)
    -> Ending
  {
    setlocale(LC_ALL, "")
    _ = try probeTerminal()  // initscr would exit the process itself on a terminal it cannot drive
    let signals = SignalTrap()
    defer { signals.restore() }
    var screen = Screen(capabilities: capabilities)
    defer { screen.end() }
    return try loop(&program, screen: &screen, interrupted: signals.take)
  }

  /// The start-up checks, in the order a user would fix them; returns the terminal's colour count.
  static func probeTerminal() throws(TerminalError) -> Int {
    guard isatty(STDOUT_FILENO) == 1 else { throw .notATerminal(stream: "stdout") }
    guard isatty(STDIN_FILENO) == 1 else { throw .notATerminal(stream: "stdin") }
    guard let type = environment("TERM"), !type.isEmpty else { throw .terminalTypeUnset }
    var status: Int32 = 0
    guard setupterm(nil, STDOUT_FILENO, &status) == OK else { throw .unknownTerminalType(type) }
    defer { qkv_release_terminfo() }
    guard qkv_has_string_capability("cup") != 0 else { throw .cannotMoveCursor(terminalType: type) }
    return max(0, Int(tigetnum("colors")))  // -1 absent, -2 not a number
  }

  /// Whether a locale's codeset (nl_langinfo(CODESET)) is UTF-8, however the system spells it.
  static func isUTF8(_ codeset: String) -> Bool {
    let name = codeset.lowercased().filter { $0 != "-" && $0 != "_" }
    return name == "utf8"
  }

  private static func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
  }
}
