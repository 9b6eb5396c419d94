import Lessons
import Testing
@testable import Explainer

/// Screens of the built-in tour compared with recorded snapshots: one per stage at 100×30, plus a selection,
/// help, a tiny terminal, 80×24, and the monochrome ASCII rendering.
struct SnapshotTests {
  static let plain = Capabilities(colors: .none, unicode: true)

  static func app(step: Int = 0, capabilities: Capabilities = plain) -> ExplainerApp {
    ExplainerApp(lesson: ExplainerApp.tour(), step: step, capabilities: capabilities)
  }

  static func press(_ app: inout ExplainerApp, _ keys: [Key]) {
    for key in keys { _ = app.update(.key(key)) }
  }

  @Test(arguments: Stage.allCases)
  func stage(_ stage: Stage) throws {
    let lesson = ExplainerApp.tour()
    let step = try #require(lesson.steps.firstIndex { $0.stage == stage })
    let app = Self.app(step: step)
    expectSnapshot(app.view(width: 100, height: 30).lines, named: "stage-\(step)-\(stage.rawValue)")
  }

  @Test func walkingWithNextReachesTheSameScreens() {
    var walked = Self.app()
    for _ in 0..<5 { _ = walked.update(.key(.character("n"))) }
    let opened = Self.app(step: 5)
    #expect(walked.view(width: 100, height: 30) == opened.view(width: 100, height: 30))
  }

  @Test func selection() {
    // Q, K, V: from Q[2,3] Shift-Tab twice to Wq (the bias column between keeps the row), two down, one right.
    var app = Self.app(step: 2)
    Self.press(&app, [.backTab, .backTab, .character("j"), .down, .character("l"), .right, .left])
    expectSnapshot(app.view(width: 100, height: 30).lines, named: "selection-wq")
    // Scores of head 1, an entry below the diagonal: the formula and the highlighted Q and K rows.
    var scores = Self.app(step: 3)
    Self.press(&scores, [.character("}"), .down, .down, .down, .down, .right])
    expectSnapshot(scores.view(width: 100, height: 30).lines, named: "selection-scores-head1")
  }

  @Test func help() {
    var app = Self.app(step: 2)
    Self.press(&app, [.character("?")])
    expectSnapshot(app.view(width: 80, height: 24).lines, named: "help-80x24")
    expectSnapshot(app.view(width: 60, height: 16).lines, named: "help-60x16")
  }

  @Test func tinyTerminal() {
    let app = Self.app()
    expectSnapshot(app.view(width: 40, height: 10).lines, named: "tiny-40x10")
  }

  @Test func standardTerminal() {
    expectSnapshot(Self.app(step: 3).view(width: 80, height: 24).lines, named: "scores-80x24")
    expectSnapshot(Self.app(step: 11).view(width: 80, height: 24).lines, named: "backward-80x24")
  }

  @Test func monochromeASCII() {
    let app = Self.app(step: 5, capabilities: Capabilities(colors: .none, unicode: false))
    let lines = app.view(width: 80, height: 24).lines
    expectSnapshot(lines, named: "softmax-ascii-80x24")
    #expect(lines.allSatisfy { $0.allSatisfy(\.isASCII) })
  }

  @Test func trainingAfterSteps() {
    var app = Self.app(step: 14)
    Self.press(&app, Array(repeating: .character("t"), count: 30))
    expectSnapshot(app.view(width: 100, height: 30).lines, named: "training-30-steps")
  }
}
