import Foundation
import Testing
import TinyTransformer
@testable import Explainer
@testable import Lessons

/// A writer that keeps what it was asked to write instead of touching the disk.
private final class FakeWriter: @unchecked Sendable {
  private let lock = NSLock()
  private var calls: [(text: String, path: String)] = []
  var failure: String?

  var written: [(text: String, path: String)] { lock.withLock { calls } }

  var writer: SessionWriter {
    SessionWriter { text, path in
      try self.lock.withLock {
        if let failure = self.failure { throw SaveError(description: failure) }
        self.calls.append((text, path))
        return "/fake/" + path
      }
    }
  }
}

/// `w`: the session as it is now, written as a `qkv-export/1` document that `qkv --load` resumes.
struct SavingTests {
  /// A classroom on the tour's Q, K, V step with a nudged weight, scaling off and a raised learning rate.
  static func tweaked(writer: SessionWriter?) -> Classroom {
    let tour = ExplainerApp.tour()
    var room = Classroom(lesson: tour, step: 2, library: [tour], capabilities: Capabilities(colors: .none),
                         challengeEvaluator: nil, sessionWriter: writer)
    room.press(.backTab, .backTab, .character("+"), .character("j"), .character("+"), .character("+"),
               .character("s"), .character(">"))
    #expect(room.state.parameters != room.state.initialParameters)
    return room
  }

  /// The session a written document loads back as.
  static func session(_ text: String) throws -> Export.Session {
    try Export.session(from: JSON.parse(text))
  }

  static func expectSameSession(_ session: Export.Session, as state: AppState) {
    // Exactly: every bit of every parameter, not merely close.
    #expect(session.parameters.names == state.parameters.names)
    for name in state.parameters.names {
      #expect(session.parameters[name]?.data.map(\.bitPattern) == state.parameters[name]?.data.map(\.bitPattern), "\(name)")
    }
    #expect(session.tokens == state.tokens && session.targets == state.targets)
    #expect(session.config.scale == state.config.scale && session.config.causal == state.config.causal)
    #expect(session.config.lr == state.learningRate)
  }

  @Test func wAsksForAFileNameAndWritesTheCurrentSession() throws {
    let fake = FakeWriter()
    var room = Self.tweaked(writer: fake.writer)
    room.press(.character("w"))
    #expect(room.state.input == AppState.defaultSessionFile && room.state.inputKind == .fileName)
    let screen = room.view(width: 100, height: 30).lines.joined(separator: "\n")
    #expect(screen.contains("save the session as: qkv-session.json_"))
    #expect(fake.written.isEmpty)
    room.press(.enter)
    let call = try #require(fake.written.first)
    #expect(fake.written.count == 1 && call.path == "qkv-session.json")
    #expect(room.state.notice == AppState.Notice(text: "Saved /fake/qkv-session.json · qkv --load qkv-session.json resumes it",
                                                 isError: false))
    #expect(room.state.input == nil && room.state.pendingSave == nil)
    let session = try Self.session(call.text)
    Self.expectSameSession(session, as: room.state)
    #expect(session.config.scale == false)
  }

  @Test func theNameCanBeEditedClearedOrCancelled() throws {
    let fake = FakeWriter()
    var room = Self.tweaked(writer: fake.writer)
    // Characters that are keys elsewhere (q, L, n) are part of the name while it is typed.
    room.press(.character("w"), .control("u"))
    room.type("runs/Lqn 1.jsonx")
    room.press(.backspace, .enter)
    #expect(fake.written.last?.path == "runs/Lqn 1.json")
    #expect(room.picker == nil && room.state.stepIndex == 2)
    // An empty name means the default.
    room.press(.character("w"), .control("u"), .enter)
    #expect(fake.written.last?.path == "qkv-session.json")
    // Esc writes nothing.
    room.press(.character("w"), .escape)
    #expect(fake.written.count == 2)
    #expect(room.state.notice?.text == "Not saved." && room.state.input == nil)
  }

  @Test func aLongNameShowsItsEndWhereTheTypingIs() {
    var room = Self.tweaked(writer: FakeWriter().writer)
    room.press(.character("w"), .control("u"))
    room.type("/a/very/long/folder/name/that/goes/on/and/on/for/a/while/session-final.json")
    for width in [60, 80] {
      let line = room.view(width: width, height: 30).lines[28]
      #expect(line.hasPrefix(" save the session as: …") && line.contains("session-final.json_"), "\(width): \(line)")
      #expect(line.count <= width)
    }
    // With room for the name but not the keys, the keys go.
    #expect(room.view(width: 100, height: 30).lines[28] == " save the session as: /a/very/long/folder/name/that/goes/on/and/on/for/a/while/session-final.json_")
    #expect(room.view(width: 200, height: 30).lines[28].contains("as: /a/very/long/folder/"))
  }

  @Test func aWriterThatFailsIsReportedInTheStatusLine() {
    let fake = FakeWriter()
    fake.failure = "cannot write in /ro: Read-only file system"
    var room = Self.tweaked(writer: fake.writer)
    room.press(.character("w"), .enter)
    #expect(room.state.notice == AppState.Notice(text: "Not saved: cannot write in /ro: Read-only file system", isError: true))
    #expect(room.view(width: 100, height: 30).lines.joined().contains("Not saved: cannot write in /ro"))
  }

  @Test func theExplainerAloneHasNoWriterAndSaysSo() {
    var app = ExplainerApp(lesson: ExplainerApp.tour())
    _ = app.update(.key(.character("w")))
    _ = app.update(.key(.enter))
    #expect(app.state.notice?.isError == true)
    #expect(app.state.notice?.text.hasPrefix("Not saved") == true)
  }

  @Test func theRealWriterRoundTripsExactlyAndLeavesOnlyTheFile() throws {
    try withTemporaryFolder { folder in
      var room = Self.tweaked(writer: .atomic)
      let path = folder.appendingPathComponent("session.json").path
      try Data("an older file\n".utf8).write(to: URL(fileURLWithPath: path))
      room.press(.character("w"), .control("u"))
      room.type(path)
      room.press(.enter)
      #expect(room.state.notice?.isError == false, "\(room.state.notice?.text ?? "")")
      #expect(room.state.notice?.text.hasPrefix("Saved \(path)") == true)
      Self.expectSameSession(try Self.session(String(contentsOfFile: path, encoding: .utf8)), as: room.state)
      #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["session.json"])
    }
  }

  @Test func relativeNamesAreInTheCurrentFolder() {
    #expect(AtomicFile.resolve("s.json", in: "/work/x").path == "/work/x/s.json")
    #expect(AtomicFile.resolve("../s.json", in: "/work/x").path == "/work/s.json")
    #expect(AtomicFile.resolve("/tmp/s.json", in: "/work/x").path == "/tmp/s.json")
    #expect(AtomicFile.resolve("~/s.json", in: "/work/x").path.hasSuffix("/s.json"))
    #expect(!AtomicFile.resolve("~/s.json", in: "/work/x").path.contains("~"))
  }

  @Test func unwritablePlacesAreReportedAndNothingIsLeftBehind() throws {
    try withTemporaryFolder { folder in
      let file = folder.appendingPathComponent("a-file")
      try Data("x".utf8).write(to: file)
      let cases = [
        (folder.appendingPathComponent("no/such/folder/s.json").path, "there is no folder"),
        (file.appendingPathComponent("s.json").path, "there is no folder"),
        (folder.path, "is a folder"),
      ]
      for (path, reason) in cases {
        var room = Self.tweaked(writer: .atomic)
        room.press(.character("w"), .control("u"))
        room.type(path)
        room.press(.enter)
        #expect(room.state.notice?.isError == true, "\(path)")
        #expect(room.state.notice?.text.hasPrefix("Not saved: ") == true && room.state.notice?.text.contains(reason) == true,
                "\(room.state.notice?.text ?? "")")
      }
      #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["a-file"])
      #expect(try String(contentsOf: file, encoding: .utf8) == "x")
    }
  }

  /// Parameters that overflowed cannot be written (JSON has no NaN): the save is refused and an existing
  /// file is left as it was.
  @Test func nanParametersAreRefusedAndTheOldFileStays() throws {
    try withTemporaryFolder { folder in
      let url = folder.appendingPathComponent("session.json")
      try Data("the old session\n".utf8).write(to: url)
      var state = AppState(lesson: ExplainerApp.tour(), step: 2)
      var weight = try #require(state.parameters["q_linear.weight"])
      weight.data[3] = .nan
      state.parameters["q_linear.weight"] = weight
      state.refresh()
      #expect(throws: (any Error).self) {
        try Export.document(Export.Session(config: state.config, tokens: state.tokens, targets: state.targets,
                                           parameters: state.parameters))
      }
      state.pendingSave = url.path
      state.saveSession(with: .atomic)
      #expect(state.notice?.isError == true)
      #expect(state.notice?.text.contains("NaN") == true)
      #expect(try String(contentsOf: url, encoding: .utf8) == "the old session\n")
      #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["session.json"])

      // Through the keys: a huge value and training overflow the block; saving says why it cannot.
      var app = ExplainerApp(lesson: ExplainerApp.tour(), step: 14)
      app.sessionWriter = .atomic
      for key in [Key.character("="), .character("1"), .character("e"), .character("3"), .character("0"), .character("0"),
                  .enter, .character("t"), .character("t"), .character("w"), .control("u")] {
        _ = app.update(.key(key))
      }
      for ch in url.path { _ = app.update(.key(.character(ch))) }
      _ = app.update(.key(.enter))
      #expect(!app.state.lossIsFinite)
      #expect(app.state.notice?.isError == true && app.state.notice?.text.hasPrefix("Not saved: ") == true)
      #expect(try String(contentsOf: url, encoding: .utf8) == "the old session\n")
    }
  }
}
