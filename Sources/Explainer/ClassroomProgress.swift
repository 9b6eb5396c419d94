import Foundation
import Lessons
import TinyTransformer

/// What a student has done, remembered between runs: the lesson they were in, and per lesson the step they
/// were on, how far they got and which challenges they met.
public struct Progress: Equatable, Sendable {
  /// One lesson's progress.
  public struct Entry: Equatable, Sendable {
    /// The step last shown (0-based).
    public var step = 0
    /// How many steps have been shown: the furthest step + 1.
    public var reached = 0
    /// The challenges met at least once, as `"step.challenge"` (0-based), e.g. `"2.0"`.
    public var met: Set<String> = []

    public init(step: Int = 0, reached: Int = 0, met: Set<String> = []) {
      self.step = step
      self.reached = reached
      self.met = met
    }
  }

  /// The key of the lesson open last (see `Progress.key(of:)`).
  public var current: String?
  public var lessons: [String: Entry] = [:]

  public init(current: String? = nil, lessons: [String: Entry] = [:]) {
    self.current = current
    self.lessons = lessons
  }

  /// The name progress is kept under: the lesson's file name without `.md` (`03-scores`); nil for a lesson
  /// that is not a file (the built-in tour, a loaded session).
  public static func key(of lesson: Lesson) -> String? {
    guard !lesson.file.isEmpty else { return nil }
    let name = URL(fileURLWithPath: lesson.file).lastPathComponent
    return name.hasSuffix(".md") ? String(name.dropLast(3)) : name
  }

  /// The format tag of the state file.
  static let format = "qkv-progress/1"

  /// The state file's JSON.
  var json: JSON {
    let entries = lessons.keys.sorted().map { name -> (String, JSON) in
      let entry = lessons[name] ?? Entry()
      return (name, .object([
        ("step", .number(Double(entry.step))), ("reached", .number(Double(entry.reached))),
        ("met", .array(entry.met.sorted().map { .string($0) })),
      ]))
    }
    return .object([("format", .string(Progress.format)), ("current", current.map { .string($0) } ?? .null),
                    ("lessons", .object(entries))])
  }

  /// Progress from the state file's JSON; nil when it is not one.
  init?(json: JSON) {
    guard json["format"] == .string(Progress.format), case .object(let members)? = json["lessons"] else { return nil }
    switch json["current"] {
    case .string(let name)?: current = name
    case .null?, nil: current = nil
    default: return nil
    }
    for (name, value) in members {
      guard let step = value["step"]?.integer, let reached = value["reached"]?.integer, step >= 0, reached >= 0,
            let met = value["met"]?.array else { return nil }
      var ids: Set<String> = []
      for id in met {
        guard case .string(let text) = id else { return nil }
        ids.insert(text)
      }
      lessons[name] = Entry(step: step, reached: reached, met: ids)
    }
  }
}

/// Where progress lives: `$XDG_STATE_HOME/qkv/progress.json`, by default `~/.local/state/qkv/progress.json`.
public struct ProgressStore: Sendable {
  public let url: URL

  public init(url: URL) { self.url = url }

  /// The standard place for this environment; nil when neither XDG_STATE_HOME nor HOME is set.
  public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> ProgressStore? {
    let base: URL
    if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
      // The XDG spec: a relative path in the variable is invalid and is ignored.
      base = URL(fileURLWithPath: state)
    } else if let home = environment["HOME"], !home.isEmpty {
      base = URL(fileURLWithPath: home).appendingPathComponent(".local/state")
    } else {
      return nil
    }
    return ProgressStore(url: base.appendingPathComponent("qkv/progress.json"))
  }

  /// The saved progress. A missing file is a fresh start; an unreadable or corrupt one is ignored, with a
  /// warning to show (never fatal: progress is a convenience).
  public func load() -> (progress: Progress, warning: String?) {
    guard FileManager.default.fileExists(atPath: url.path) else { return (Progress(), nil) }
    guard let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8) else {
      return (Progress(), "could not read \(url.path); starting without saved progress")
    }
    do throws(JSONError) {
      guard let progress = Progress(json: try JSON.parse(text)) else {
        return (Progress(), "\(url.path) is not a qkv progress file; ignoring it (it is replaced on the next save)")
      }
      return (progress, nil)
    } catch {
      return (Progress(), "\(url.path) is corrupt (\(error)); ignoring it (it is replaced on the next save)")
    }
  }

  /// Writes the progress atomically (see `AtomicFile`), creating its folder when needed.
  public func save(_ progress: Progress) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try AtomicFile.write(Data((progress.json.serialized() + "\n").utf8), to: url)
  }
}
