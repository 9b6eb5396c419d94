/// A key the user pressed, already decoded by the backend.
public enum Key: Hashable, Sendable {
  case character(Character)
  case up, down, left, right
  case tab, backTab
  case enter, escape, backspace
  case pageUp, pageDown, home, end
  case function(Int)
  /// Ctrl plus a letter (lower case), e.g. `.control("c")`.
  case control(Character)
}

/// Everything that can happen to the program: a message for `update`.
public enum Message: Hashable, Sendable {
  case key(Key)
  /// The terminal now has this many columns and rows.
  case resize(width: Int, height: Int)
  /// Time passed (drives continuous training and scripted demos).
  case tick
}

/// What the program asks of the runtime after an update.
public enum Effect: Equatable, Sendable {
  case none
  case quit
}

/// What the terminal can show; the view adapts its palette and line drawing to it.
public struct Capabilities: Hashable, Sendable {
  public enum Colors: Hashable, Sendable {
    /// Monochrome (NO_COLOR, or a terminal without colour): signs and sizes shown by characters and attributes.
    case none
    /// The eight basic colours.
    case basic
    /// xterm's 256 colours.
    case full
  }
  public var colors: Colors
  /// Whether box drawing and other non-ASCII symbols can be shown (a UTF-8 locale).
  public var unicode: Bool

  public init(colors: Colors = .full, unicode: Bool = true) {
    self.colors = colors
    self.unicode = unicode
  }
}

/// An Elm-style program: a value that `update` changes and `view` draws. The terminal backend runs any
/// `Program`; tests drive one with scripted messages and read its buffer.
public protocol Program {
  /// Applies one message; returns `.quit` when the program is done.
  mutating func update(_ message: Message) -> Effect
  /// Draws the whole screen for the given size.
  func view(width: Int, height: Int) -> Buffer
  /// How often the runtime should send `.tick` while something runs (nil: only on input).
  var tickInterval: Duration? { get }
  /// While true, the runtime should deliver Ctrl-C as `.key(.control("c"))` instead of ending (e.g. while a
  /// demo plays: Ctrl-C takes over from it as any key does). Read after every update; false by default.
  var capturesInterrupt: Bool { get }
}

extension Program {
  /// Ctrl-C ends the program: the usual case.
  public var capturesInterrupt: Bool { false }
}
