import Foundation
import Testing
@testable import Explainer
@testable import Lessons

/// The key table is the whole truth: every key it lists does something in the classroom (the program `qkv`
/// runs), and every key that does something is listed (so the help overlay, which reads the table, names it).
struct KeyTests {
  /// Every key the terminal backend can deliver.
  static let allKeys: [Key] = (32...126).compactMap { UnicodeScalar($0).map { .character(Character($0)) } }
    + [.up, .down, .left, .right, .tab, .backTab, .enter, .escape, .backspace, .pageUp, .pageDown, .home, .end]
    + (1...12).map { .function($0) } + "abcdefghijklmnopqrstuvwxyz".map { .control($0) }

  static let listed: Set<Key> = Set(KeyMap.help.flatMap { $0.bindings.map(\.0) })

  /// Classrooms a key can act on: the second step of the Q, K, V lesson (a step before and after) with the
  /// cursor inside Wq, away from its edges; and the same with a message showing (which Esc clears).
  static func rooms() throws -> [Classroom] {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("lessons")
    let lessons = try LessonLibrary.files(in: folder).map { try Lesson.load(path: $0.path) }
    let lesson = try #require(lessons.first { $0.number == 2 })
    var room = Classroom(lesson: lesson, step: 1, library: lessons, capabilities: Capabilities(colors: .none),
                         challengeEvaluator: nil)
    for _ in 0..<10 where room.state.selection.tensor.name != "q_linear.weight" { _ = room.update(.key(.tab)) }
    for key in [Key.down, .right] { _ = room.update(.key(key)) }
    let s = room.state.selection, shape = room.state.parameters["q_linear.weight"]?.shape ?? []
    #expect(s.tensor.name == "q_linear.weight" && shape.count == 2, "\(s)")
    #expect((1..<shape[0] - 1).contains(s.row) && (1..<shape[1] - 1).contains(s.column), "\(s) is on an edge")
    var noticed = room
    _ = noticed.update(.key(.character("H")))
    #expect(noticed.state.notice != nil)
    return [room, noticed]
  }

  /// Whether pressing `key` in `room` quits or changes the screen.
  static func acts(_ key: Key, in room: Classroom) -> Bool {
    var pressed = room
    if pressed.update(.key(key)) == .quit { return true }
    return pressed.view(width: 100, height: 30) != room.view(width: 100, height: 30)
  }

  @Test func everyListedKeyDoesSomething() throws {
    let rooms = try Self.rooms()
    for key in Self.listed.sorted(by: { "\($0)" < "\($1)" }) {
      #expect(rooms.contains { Self.acts(key, in: $0) }, "\(key) is listed in KeyMap.help but does nothing")
    }
  }

  @Test func everyKeyThatDoesSomethingIsListed() throws {
    let rooms = try Self.rooms()
    for key in Self.allKeys where !Self.listed.contains(key) {
      #expect(!rooms.contains { Self.acts(key, in: $0) }, "\(key) does something but KeyMap.help does not list it")
    }
  }

  @Test func noKeyIsBoundTwice() {
    let keys = KeyMap.help.flatMap { $0.bindings.map(\.0) }
    #expect(keys.count == Set(keys).count)
  }

  @Test func theClassroomKeysWorkThroughTheTable() throws {
    var room = try #require(Self.rooms().first)
    _ = room.update(.key(.character("P")))
    #expect(room.presenting && room.state.presenter)
    _ = room.update(.key(.character("L")))
    #expect(room.picker != nil)
    _ = room.update(.key(.escape))
    // A lesson opened from the picker keeps presenter mode.
    _ = room.update(.key(.character("L")))
    _ = room.update(.key(.character("j")))
    _ = room.update(.key(.enter))
    #expect(room.state.lesson.number == 3 && room.presenting)
    // Without a library the explainer says so instead of doing nothing.
    var app = ExplainerApp(lesson: ExplainerApp.tour())
    _ = app.update(.key(.character("L")))
    #expect(app.state.notice?.isError == true)
  }
}

extension KeyTests {
  /// How the help spells a key (any of these).
  static func names(_ key: Key) -> [String] {
    switch key {
    case .character(" "): ["space", "spc"]
    case .character(let ch) where "hjkl".contains(ch): [String(ch), "hjkl"]
    case .character(let ch): [String(ch)]
    case .up, .down, .left, .right: ["arrows"]
    case .tab: ["Tab"]
    case .backTab: ["Shift-Tab", "S-Tab"]
    case .enter: ["Enter"]
    case .escape: ["Esc"]
    case .backspace: ["Backspace"]
    case .pageUp: ["PgUp"]
    case .pageDown: ["PgDn"]
    case .home: ["Home"]
    case .end: ["End"]
    case .function(let n): ["F\(n)"]
    case .control(let ch): ["Ctrl-\(ch.uppercased())"]
    }
  }

  @Test func everyBoundKeyIsNamedOnItsHelpLineLongAndShort() {
    for binding in KeyMap.help {
      for (key, _) in binding.bindings {
        let words = { (text: String) in text.split(whereSeparator: { " /()".contains($0) }).map(String.init) }
        #expect(Self.names(key).contains(where: words(binding.keys).contains), "\(binding.keys) does not name \(key)")
        #expect(Self.names(key).contains(where: words(binding.short.keys).contains), "\(binding.short.keys) does not name \(key)")
      }
      #expect(binding.short.keys.count <= 11 && binding.short.meaning.count <= 13, "\(binding.short)")
    }
  }
}
