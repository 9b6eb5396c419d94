import Foundation
import Testing
import TinyTransformer
@testable import Explainer
@testable import Lessons

/// The repository's lessons, found from this file (Tests/ExplainerTests/…).
private let lessonsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().appendingPathComponent("lessons")

private func library() throws -> [Lesson] {
  try LessonLibrary.files(in: lessonsFolder).map { try Lesson.load(path: $0.path) }
}

private let evaluator: ChallengeEvaluator = { challenge, trace, parameters in
  challenge.isMet(trace: trace, parameters: parameters, vocabulary: nil)
}

@Suite struct ProgressStoreTests {
  @Test func theStateFileLivesUnderXDGStateHomeOrHome() {
    #expect(ProgressStore.standard(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"])?.url.path == "/s/qkv/progress.json")
    #expect(ProgressStore.standard(environment: ["XDG_STATE_HOME": "relative", "HOME": "/h"])?.url.path
              == "/h/.local/state/qkv/progress.json")
    #expect(ProgressStore.standard(environment: ["HOME": "/h"])?.url.path == "/h/.local/state/qkv/progress.json")
    #expect(ProgressStore.standard(environment: [:]) == nil)
  }

  @Test func progressRoundTripsAndIsWrittenAtomically() throws {
    try withTemporaryFolder { folder in
      let store = ProgressStore(url: folder.appendingPathComponent("qkv/progress.json"))
      #expect(store.load().progress == Progress() && store.load().warning == nil)
      let progress = Progress(current: "03-scores", lessons: [
        "03-scores": .init(step: 2, reached: 3, met: ["2.0"]), "01-tokens": .init(step: 0, reached: 4, met: []),
      ])
      try store.save(progress)
      let loaded = store.load()
      #expect(loaded.progress == progress && loaded.warning == nil)
      // Only the file itself is left behind: the temporary file was renamed over it.
      let names = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("qkv").path)
      #expect(names == ["progress.json"])
    }
  }

  @Test func aCorruptFileIsIgnoredWithAWarning() throws {
    try withTemporaryFolder { folder in
      let url = folder.appendingPathComponent("progress.json")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      let store = ProgressStore(url: url)
      for bad in ["{\"format\": \"qkv-progress/1\", \"lessons\": {", "[1, 2]", "{\"format\": \"other\", \"lessons\": {}}",
                  "{\"format\": \"qkv-progress/1\", \"lessons\": {\"a\": {\"step\": -1, \"reached\": 0, \"met\": []}}}"] {
        try Data(bad.utf8).write(to: url)
        let loaded = store.load()
        #expect(loaded.progress == Progress())
        #expect(loaded.warning?.contains(url.path) == true, "\(bad)")
      }
      try Data([0xff, 0xfe]).write(to: url)
      #expect(store.load().warning?.hasPrefix("could not read") == true)
      // The next save replaces the corrupt file.
      try store.save(Progress(current: "x"))
      #expect(store.load().progress.current == "x")
    }
  }
}

@Suite struct ClassroomTests {
  @Test func thePickerListsTheLessonsAndOpensOneAtItsRememberedStep() throws {
    let lessons = try library()
    let progress = Progress(lessons: ["05-attention": .init(step: 2, reached: 3, met: [])])
    var room = Classroom(lesson: lessons[0], library: lessons, challengeEvaluator: evaluator, progress: progress)
    room.press(.character("L"))
    #expect(room.picker == 0)
    let screen = room.view(width: 100, height: 30).lines.joined(separator: "\n")
    for lesson in lessons.prefix(5) { #expect(screen.contains(String(lesson.title.prefix(30))), "\(lesson.title)") }
    room.press(.character("j"), .down, .character("j"), .character("j"), .character("k"), .character("j"))
    #expect(room.picker == 4)
    room.press(.enter)
    #expect(room.picker == nil)
    #expect(room.state.lesson.number == 5 && room.state.stepIndex == 2)
    #expect(room.progress.current == "05-attention")
    // Esc closes without changing lesson.
    room.press(.character("L"), .character("j"), .escape)
    #expect(room.picker == nil && room.state.lesson.number == 5)
  }

  /// Each lesson's first screen as `qkv --lesson N` opens it (monochrome, 80×24), and the picker.
  @Test func eachLessonsFirstScreenMatchesItsSnapshot() throws {
    let lessons = try library()
    for lesson in lessons {
      var room = Classroom(lesson: lesson, library: lessons, capabilities: Capabilities(colors: .none),
                           challengeEvaluator: evaluator)
      _ = room.update(.resize(width: 80, height: 24))
      let name = Progress.key(of: lesson) ?? lesson.title
      expectSnapshot(room.view(width: 80, height: 24).lines, named: "lesson-\(name)-80x24")
    }
    var room = Classroom(lesson: lessons[0], library: lessons, capabilities: Capabilities(colors: .none),
                         challengeEvaluator: evaluator, progress: Progress(lessons: ["01-tokens": .init(step: 3, reached: 4, met: ["3.0"])]))
    room.press(.character("L"), .character("j"))
    expectSnapshot(room.view(width: 100, height: 30).lines, named: "classroom-picker-100x30")
  }

  @Test func progressIsRecordedAndSavedAsTheStudentGoes() throws {
    let lessons = try library()
    try withTemporaryFolder { folder in
      let store = ProgressStore(url: folder.appendingPathComponent("progress.json"))
      var room = Classroom(lesson: lessons[1], library: lessons, challengeEvaluator: evaluator, store: store)
      room.press(.character("n"), .character("n"))
      #expect(store.load().progress.lessons["02-qkv"] == Progress.Entry(step: 2, reached: 3, met: []))
      room.press(.character("p"))
      #expect(store.load().progress.lessons["02-qkv"]?.step == 1)
      #expect(store.load().progress.lessons["02-qkv"]?.reached == 3)
      let resumed = try #require(Classroom.resumePoint(progress: store.load().progress, library: lessons))
      #expect(resumed.lesson.file == lessons[1].file && resumed.step == 1)
      #expect(Classroom.resumePoint(progress: Progress(current: "99-gone"), library: lessons) == nil)
    }
  }

  @Test func aMetChallengeIsRemembered() throws {
    let text = "---\ntext: a b c\nd_model: 4\nheads: 1\n---\n# T\n## S\nstage: loss\nchallenge: loss > 0\nhint: It is.\n"
    let lesson = try Lesson.parse(text, file: "/tmp/07-demo.md")
    var room = Classroom(lesson: lesson, library: [lesson], challengeEvaluator: evaluator)
    #expect(room.progress.lessons["07-demo"]?.met == ["0.0"])
    #expect(room.completion(of: lesson) == (reached: 1, steps: 1, met: 1, challenges: 1))
    room.press(.character("H"))
    #expect(room.state.notice?.text == "Hint: It is.")
  }

  @Test func presenterModeTogglesTheExplainersPresenterView() throws {
    let lessons = try library()
    var room = Classroom(lesson: lessons[2], library: lessons, challengeEvaluator: evaluator, presenting: true)
    #expect(room.state.presenter)
    let prose = try #require(lessons[2].steps.first?.prose.prefix(30))
    #expect(!room.view(width: 100, height: 30).lines.joined().contains(prose))
    room.press(.character("P"))
    #expect(!room.state.presenter)
    #expect(room.view(width: 100, height: 30).lines.joined().contains(prose))
  }

  @Test func classroomKeysStayOutOfTheWayWhileAValueIsTyped() throws {
    let lessons = try library()
    var room = Classroom(lesson: lessons[1], step: 2, library: lessons, challengeEvaluator: evaluator)
    room.press(.character("="))
    #expect(room.state.input == "")
    room.press(.character("L"))
    #expect(room.picker == nil && room.state.input != nil)
  }

  /// Every shipped challenge reached with the keys a student has, following the lesson's solution: select
  /// the parameter (Tab), move to the entry, type its value; flip switches; set the learning rate and press t.
  @Test func everyShippedChallengeCanBeReachedWithTheKeys() throws {
    let lessons = try library()
    var reached = 0
    for lesson in lessons {
      for (s, step) in lesson.steps.enumerated() {
        for (c, challenge) in step.challenges.enumerated() {
          let place = "\(lesson.file):\(challenge.line)"
          var room = Classroom(lesson: lesson, step: s, library: lessons, challengeEvaluator: evaluator)
          #expect(room.state.challengeResults[c] == false, "\(place) met at the start")
          let solution = try #require(challenge.solution, "\(place)")
          for action in solution.actions { try perform(action, in: &room, lesson: lesson, place: place) }
          #expect(room.state.challengeResults[c] == true, "\(place) not reached with the keys")
          if room.state.challengeResults[c] == true { reached += 1 }
        }
      }
    }
    #expect(reached >= 20)
  }

  /// A challenge sits on a screen that shows what it tests: every tensor it reads is a panel of the step's stage
  /// (an activation's gradient only as the focused entry's), or, on a stage that lists the parameters, a
  /// parameter; `loss` is always in the top line. A step that limits editing opens with the cursor on a
  /// parameter the student may change.
  @Test func everyShippedChallengeIsOnAScreenThatShowsItsNumbers() throws {
    let lessons = try library()
    for lesson in lessons {
      for (s, step) in lesson.steps.enumerated() where !step.challenges.isEmpty {
        let room = Classroom(lesson: lesson, step: s, library: lessons, challengeEvaluator: evaluator)
        let shown = Set(room.state.panelRows.joined().compactMap { spec -> String? in
          if case .tensor(let ref) = spec, !ref.gradient { return ref.name }
          return nil
        })
        let focus = room.state.selection.tensor.name
        for challenge in step.challenges {
          let place = "\(lesson.file):\(challenge.line)"
          for (name, gradient) in try #require(challenge.condition).tensorsRead {
            if room.state.stage.picksParameters {
              #expect(room.state.parameters[name] != nil, "\(place): \(name) is not listed on the \(step.stage) stage")
            } else {
              // Scores reach softmax through the mask: with the mask on, that stage shows them as `masked`.
              let visible = shown.contains(name) || (name == "scores" && shown.contains("masked"))
              #expect(visible && (!gradient || name == focus), "\(place): \(gradient ? "∂loss/∂" : "")\(name) is not on the \(step.stage) stage")
            }
          }
        }
        if let editable = step.editable, !editable.isEmpty {
          #expect(editable.contains(focus), "\(lesson.file):\(step.line): the cursor opens on \(focus), which is locked")
        }
      }
    }
  }

  private func perform(_ action: SolutionAction, in room: inout Classroom, lesson: Lesson, place: String) throws {
    switch action {
    case .toggle(let toggle, let on):
      let current = [Toggle.causal: room.state.config.causal, .scale: room.state.config.scale,
                     .residual: room.state.config.residual][toggle]
      if current != on { room.press(.character(toggle == .causal ? "c" : toggle == .scale ? "s" : "R")) }
    case .train(let steps, let lr):
      let rate = lr ?? lesson.config.lr
      for _ in 0..<20 where room.state.learningRate < rate * (1 - 1e-9) { room.press(.character(">")) }
      for _ in 0..<20 where room.state.learningRate > rate * (1 + 1e-9) { room.press(.character("<")) }
      #expect(abs(room.state.learningRate - rate) < 1e-12, "\(place): lr \(rate) is not on the explainer's ladder")
      for _ in 0..<steps { room.press(.character("t")) }
    case .edit(let ref, let operation, let amount):
      // Tab to the parameter.
      for _ in 0..<40 where room.state.selection.tensor.name != ref.name { room.press(.tab) }
      #expect(room.state.selection.tensor.name == ref.name, "\(place): \(ref.name) cannot be selected on this stage")
      let shape = try #require(room.state.parameters[ref.name]?.shape)
      for offset in try #require(flatOffsets(shape: shape, indices: ref.indices)) {
        // A matrix entry is (row, column); a bias is shown as a column, so its entry is a row.
        let (row, column) = shape.count == 2 ? (offset / shape[1], offset % shape[1]) : (offset, 0)
        for _ in 0..<64 where room.state.selection.row < row { room.press(.character("j")) }
        for _ in 0..<64 where room.state.selection.row > row { room.press(.character("k")) }
        for _ in 0..<64 where room.state.selection.column < column { room.press(.character("l")) }
        for _ in 0..<64 where room.state.selection.column > column { room.press(.character("h")) }
        let old = try #require(room.state.parameters[ref.name]?.data[offset])
        let value = switch operation {
        case .assign: amount
        case .add: old + amount
        case .subtract: old - amount
        case .multiply: old * amount
        }
        room.press(.character("="))
        room.type(String(value))
        room.press(.enter)
        #expect(room.state.parameters[ref.name]?.data[offset] == value, "\(place): \(ref.name)[\(offset)] not set")
      }
    }
  }
}

@Suite struct DemoScriptTests {
  @Test func aScriptParsesEveryCommand() throws {
    let text = """
      # a demo
      lesson scores
      pace 0.1
      keys n Tab space ctrl-c F2 shift-tab +
      type = 2.5
      wait 1.5
      say Watch the loss.
      quit
      """
    let script = try DemoScript.parse(text, file: "d.demo")
    #expect(script.actions == [
      .lesson("scores"), .pace(seconds: 0.1), .key(.character("n")), .key(.tab), .key(.character(" ")),
      .key(.control("c")), .key(.function(2)), .key(.backTab), .key(.character("+")),
      .key(.character("=")), .key(.character(" ")), .key(.character("2")), .key(.character(".")), .key(.character("5")),
      .wait(seconds: 1.5), .say("Watch the loss."), .quit,
    ])
  }

  @Test func aBrokenScriptIsReportedWithItsLine() {
    let cases = [
      ("keys n\nkeys bogus", "d.demo:2: unknown key \"bogus\" (a single character, or: backspace backtab down end enter esc escape home left pgdn pgup return right shift-tab space tab up f1…f12 ctrl-a…ctrl-z)"),
      ("wait -1", "d.demo:1: wait needs a number of seconds from 0 to 3600, found \"-1\""),
      ("\n\njump 3", "d.demo:3: unknown command \"jump\" (commands: keys, type, wait, pace, say, lesson, quit)"),
      ("keys", "d.demo:1: keys needs at least one key, e.g. keys n n Tab"),
      ("quit now", "d.demo:1: quit takes nothing after it"),
    ]
    for (text, expected) in cases {
      do {
        _ = try DemoScript.parse(text, file: "d.demo")
        Issue.record("\(text) parsed")
      } catch {
        #expect(error.description == expected)
      }
    }
  }

  @Test func theShippedDemoParses() throws {
    let demos = lessonsFolder.appendingPathComponent("demos")
    let files = try FileManager.default.contentsOfDirectory(atPath: demos.path).filter { $0.hasSuffix(".demo") }
    #expect(!files.isEmpty)
    let lessons = try library()
    for file in files {
      let script = try DemoScript.load(path: demos.appendingPathComponent(file).path)
      for case .lesson(let name) in script.actions {
        #expect(lessons.contains { DemoPlayer.names(name, $0) }, "\(file) names lesson \(name)")
      }
    }
  }

  @Test func aDemoPlaysOnTicksAndAnyKeyTakesOver() throws {
    let lessons = try library()
    let script = try DemoScript.parse("lesson 3\npace 0.1\nkeys n n\nwait 0.2\nsay done\nkeys n", file: "d.demo")
    var room = Classroom(lesson: lessons[0], library: lessons, challengeEvaluator: evaluator, script: script)
    #expect(room.tickInterval == .milliseconds(50))
    _ = room.update(.tick)  // opens lesson 3, presses n
    #expect(room.state.lesson.number == 3 && room.state.stepIndex == 1)
    _ = room.update(.tick)  // the pace: 2 ticks
    _ = room.update(.tick)
    #expect(room.state.stepIndex == 1)
    _ = room.update(.tick)  // the second n
    #expect(room.state.stepIndex == 2)
    for _ in 0..<3 { _ = room.update(.tick) }
    _ = room.update(.tick)  // still in the wait of 0.2 s (4 ticks)
    #expect(room.state.stepIndex == 2)
    // A key from the student stops the demo and is not applied.
    room.press(.character("p"))
    #expect(room.player == nil && room.state.stepIndex == 2)
    #expect(room.state.notice?.text == "The demo stopped: the keys are yours.")
    #expect(room.tickInterval == nil)
  }

  @Test func theShippedDemoPlaysToTheEndAndMeetsItsChallenge() throws {
    let lessons = try library()
    let script = try DemoScript.load(path: lessonsFolder.appendingPathComponent("demos/attention.demo").path)
    // Saved progress elsewhere must not change what the demo shows.
    let progress = Progress(lessons: ["04-softmax": .init(step: 1, reached: 2, met: [])])
    var room = Classroom(lesson: lessons[0], library: lessons, challengeEvaluator: evaluator, progress: progress, script: script)
    var ticks = 0
    while room.player != nil && ticks < 10_000 {
      #expect(room.update(.tick) == .none)
      #expect(room.state.notice?.isError != true, "\(room.state.notice?.text ?? "")")
      ticks += 1
    }
    #expect(room.player == nil)
    #expect(room.state.lesson.number == 5)
    #expect(room.progress.lessons["04-softmax"]?.met.contains("2.0") == true)
    #expect(room.state.notice?.text == "The demo is over: the keys are yours.")
  }

  @Test func aDemoEndingOnAKeySaysItIsOver() throws {
    let lessons = try library()
    let script = try DemoScript.parse("lesson 3\npace 0.1\nkeys n", file: "d.demo")
    var room = Classroom(lesson: lessons[0], library: lessons, challengeEvaluator: evaluator, script: script)
    var ticks = 0
    while room.player != nil && ticks < 100 {
      _ = room.update(.tick)
      ticks += 1
    }
    #expect(room.player == nil && room.state.stepIndex == 1)
    #expect(room.state.notice?.text == "The demo is over: the keys are yours.")
  }

  @Test func controlCStopsAPlayingDemoAndThenQuits() throws {
    let lessons = try library()
    var room = Classroom(lesson: lessons[0], library: lessons, challengeEvaluator: evaluator,
                         script: try DemoScript.parse("pace 0.1\nkeys n n n", file: "d.demo"))
    #expect(room.capturesInterrupt)
    _ = room.update(.tick)
    #expect(room.state.stepIndex == 1)
    // The runtime delivers Ctrl-C as a key while the demo plays: it stops the demo and is not applied.
    #expect(room.update(.key(.control("c"))) == .none)
    #expect(room.player == nil && !room.capturesInterrupt && room.state.stepIndex == 1)
    #expect(room.state.notice?.text == "The demo stopped: the keys are yours.")
    #expect(room.update(.key(.control("c"))) == .quit)
    // Without a demo, and in the bare explainer, Ctrl-C is left to end the program.
    #expect(!Classroom(lesson: lessons[0], library: lessons, challengeEvaluator: evaluator).capturesInterrupt)
    #expect(!ExplainerApp(lesson: lessons[0]).capturesInterrupt)
  }

  @Test func aDemoThatEndsHandsCtrlCBack() throws {
    let lessons = try library()
    var room = Classroom(lesson: lessons[0], library: lessons, challengeEvaluator: evaluator,
                         script: try DemoScript.parse("keys n", file: "d.demo"))
    for _ in 0..<40 where room.capturesInterrupt { _ = room.update(.tick) }
    #expect(!room.capturesInterrupt && room.state.stepIndex == 1)
  }

  @Test func aDemoCanQuit() throws {
    let lessons = try library()
    var room = Classroom(lesson: lessons[0], library: lessons, challengeEvaluator: evaluator,
                         script: try DemoScript.parse("wait 0\nquit", file: "d.demo"))
    #expect(room.update(.tick) == .quit)
  }
}

private extension Condition {
  /// The tensors the condition reads (the loss aside), and whether it reads their gradient.
  var tensorsRead: [(name: String, gradient: Bool)] {
    func walk(_ term: Term) -> [Reference] {
      switch term {
      case .number, .loss: []
      case .entry(let reference), .aggregate(_, let reference): [reference]
      case .negate(let inner), .function(_, let inner): walk(inner)
      case .binary(_, let a, let b): walk(a) + walk(b)
      case .dot(let a, let b): [a, b]
      }
    }
    return comparisons.flatMap { walk($0.lhs) + walk($0.rhs) }.map { ($0.name, $0.gradient) }
  }
}
