import Foundation
import Lessons

/// A scripted demonstration for `qkv --play FILE`: keys with pauses, replayed hands-free.
///
/// One command per line (`#` starts a comment):
/// `keys n n Tab + +` presses keys (a character, or a name: space enter tab backtab up down left right esc
/// backspace pgup pgdn home end f1…f12 ctrl-a…ctrl-z); `type = 2.5` types the rest of the line character by
/// character; `wait 1.5` pauses (seconds); `pace 0.4` sets the pause after every key (default 0.5 s);
/// `say TEXT` shows a caption on the notice line; `lesson NAME` opens a lesson; `quit` ends the program.
public struct DemoScript: Equatable, Sendable {
  public enum Action: Equatable, Sendable {
    case key(Key)
    case wait(seconds: Double)
    case pace(seconds: Double)
    case say(String)
    case lesson(String)
    case quit
  }

  public var actions: [Action]

  public init(actions: [Action]) { self.actions = actions }

  /// The pause after each key until a `pace` line changes it.
  public static let defaultPace = 0.5
  /// The longest pause a script may ask for.
  static let longestPause = 3600.0

  /// Reads and parses a script file.
  public static func load(path: String) throws(LessonError) -> DemoScript {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw LessonError(file: path, line: 0, message: "cannot read the file")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw LessonError(file: path, line: 0, message: "not UTF-8 text")
    }
    return try parse(text, file: path)
  }

  /// Parses the text of a script; `file` names it in errors.
  public static func parse(_ text: String, file: String) throws(LessonError) -> DemoScript {
    var actions: [Action] = []
    let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
    for (index, raw) in lines.enumerated() {
      let line = raw.trimmingCharacters(in: .whitespaces)
      if line.isEmpty || line.hasPrefix("#") { continue }
      func fail(_ message: String) -> LessonError { LessonError(file: file, line: index + 1, message: message) }
      let command = String(line.prefix { !$0.isWhitespace })
      let rest = line.dropFirst(command.count).trimmingCharacters(in: .whitespaces)
      func seconds() throws(LessonError) -> Double {
        guard let value = Double(rest), value.isFinite, value >= 0, value <= longestPause else {
          throw fail("\(command) needs a number of seconds from 0 to \(Int(longestPause)), found \"\(rest)\"")
        }
        return value
      }
      switch command {
      case "keys":
        let names = rest.split(whereSeparator: \.isWhitespace)
        guard !names.isEmpty else { throw fail("keys needs at least one key, e.g. keys n n Tab") }
        for name in names {
          guard let key = DemoScript.key(named: String(name)) else {
            throw fail("unknown key \"\(name)\" (a single character, or: \(keyNames.keys.sorted().joined(separator: " ")) f1…f12 ctrl-a…ctrl-z)")
          }
          actions.append(.key(key))
        }
      case "type":
        guard !rest.isEmpty else { throw fail("type needs the text to type, e.g. type = 2.5") }
        actions += rest.map { .key(.character($0)) }
      case "wait": actions.append(.wait(seconds: try seconds()))
      case "pace": actions.append(.pace(seconds: try seconds()))
      case "say": actions.append(.say(rest))
      case "lesson":
        guard !rest.isEmpty else { throw fail("lesson needs a lesson's number, name or file") }
        actions.append(.lesson(rest))
      case "quit":
        guard rest.isEmpty else { throw fail("quit takes nothing after it") }
        actions.append(.quit)
      default:
        throw fail("unknown command \"\(command)\" (commands: keys, type, wait, pace, say, lesson, quit)")
      }
    }
    return DemoScript(actions: actions)
  }

  private static let keyNames: [String: Key] = [
    "space": .character(" "), "enter": .enter, "return": .enter, "tab": .tab, "backtab": .backTab,
    "shift-tab": .backTab, "up": .up, "down": .down, "left": .left, "right": .right, "esc": .escape,
    "escape": .escape, "backspace": .backspace, "pgup": .pageUp, "pgdn": .pageDown, "home": .home, "end": .end,
  ]

  /// The key a script names: one character stands for itself; longer words are key names (any case).
  static func key(named name: String) -> Key? {
    if name.count == 1, let ch = name.first { return .character(ch) }
    let lower = name.lowercased()
    if let key = keyNames[lower] { return key }
    if lower.hasPrefix("ctrl-"), lower.count == 6, let ch = lower.last, ch.isASCII, ch.isLetter { return .control(ch) }
    if lower.hasPrefix("f"), let n = Int(lower.dropFirst()), (1...12).contains(n) { return .function(n) }
    return nil
  }
}
