import Foundation
import Lessons
import Testing
import TestSupport
import TinyTransformer
@testable import Explainer

/// The explainer driven by scripted keys: what each key does to the model and to the screen.
struct BehaviourTests {
  static func app(step: Int = 0, lesson: Lesson = ExplainerApp.tour()) -> ExplainerApp {
    ExplainerApp(lesson: lesson, step: step, capabilities: Capabilities(colors: .none, unicode: true))
  }

  @discardableResult
  static func press(_ app: inout ExplainerApp, _ keys: Key...) -> Effect {
    var effect = Effect.none
    for key in keys { effect = app.update(.key(key)) }
    return effect
  }

  static func screen(_ app: ExplainerApp, _ width: Int = 100, _ height: Int = 30) -> String {
    app.view(width: width, height: height).lines.joined(separator: "\n")
  }

  static func header(_ app: ExplainerApp) -> String { app.view(width: 100, height: 30).lines[0] }

  // MARK: Tweaking

  @Test func tabThenPlusChangesTheLossShown() {
    var app = Self.app()
    let before = app.state.trace.loss
    let headerBefore = Self.header(app)
    Self.press(&app, .tab, .character("+"))
    #expect(app.state.trace.loss != before)
    #expect(Self.header(app) != headerBefore)
    #expect(Self.header(app).contains("loss \(Format.number(app.state.trace.loss))"))
    #expect(app.state.notice?.text.contains("loss") == true)
  }

  @Test func plusAndMinusMoveTheEntryByTheNudgeSize() throws {
    var app = Self.app(step: 2)
    Self.press(&app, .tab)  // q_linear.weight
    let entry = try #require(app.state.parameterEntry())
    let value = { (app: ExplainerApp) in app.state.parameters[entry.name]!.data[entry.index] }
    let start = value(app)
    Self.press(&app, .character("+"))
    #expect(abs(value(app) - (start + 0.1)) < 1e-15)
    Self.press(&app, .character("]"), .character("-"))
    #expect(app.state.nudgeSize == 0.25)
    #expect(abs(value(app) - (start + 0.1 - 0.25)) < 1e-15)
  }

  @Test func aDerivedTensorSaysItIsComputed() {
    var app = Self.app(step: 2)  // Q is selected
    let before = app.state.parameters
    Self.press(&app, .character("+"))
    #expect(app.state.parameters == before)
    #expect(app.state.notice?.isError == true)
    #expect(Self.screen(app).contains("Q is computed from the parameters"))
  }

  @Test func equalsSetsAnExactValue() throws {
    var app = Self.app(step: 2)  // Q[2,3]; two Shift-Tabs back is Wq (passing the bias column keeps row 2, column 0)
    Self.press(&app, .backTab, .backTab, .character("="), .character("-"), .character("0"), .character("."), .character("5"))
    #expect(app.state.selection == Selection(tensor: TensorRef("q_linear.weight"), row: 2, column: 0))
    #expect(Self.screen(app).contains("q_linear.weight[2,0] = -0.5_"))
    Self.press(&app, .enter)
    #expect(app.state.parameters["q_linear.weight"]![2, 0] == -0.5)
    #expect(app.state.input == nil)
    // Esc cancels; a non-number changes nothing.
    Self.press(&app, .character("="), .character("7"), .escape)
    #expect(app.state.parameters["q_linear.weight"]![2, 0] == -0.5)
    Self.press(&app, .character("="), .character("e"), .enter)
    #expect(app.state.parameters["q_linear.weight"]![2, 0] == -0.5)
    #expect(app.state.notice?.isError == true)
  }

  @Test func undoRestoresExactly() {
    var app = Self.app(step: 2)
    let parameters = app.state.parameters
    let config = app.state.config
    let loss = app.state.trace.loss
    Self.press(&app, .tab, .character("+"), .character("t"), .character("c"), .character("="), .character("3"), .enter,
               .character("R"), .character("0"), .character("t"))
    #expect(app.state.parameters != parameters)
    for _ in 0..<7 { Self.press(&app, .character("u")) }
    #expect(app.state.parameters == parameters)
    #expect(app.state.config == config)
    #expect(app.state.trace.loss == loss)
    #expect(app.state.training.steps == 0)
    Self.press(&app, .character("u"))
    #expect(app.state.notice?.text == "Nothing to undo.")
  }

  @Test func resetGoesBackToTheSeedsParameters() {
    var app = Self.app(step: 14)
    Self.press(&app, .character("t"), .character("t"), .character("0"))
    #expect(app.state.parameters == Parameters(initializedFor: app.state.config))
    #expect(app.state.training.steps == 0)
  }

  @Test func stepsRestrictedToTheirEditableParameters() {
    var lesson = ExplainerApp.tour()
    lesson.steps[2].editable = ["output.bias"]
    var app = Self.app(step: 2, lesson: lesson)
    let before = app.state.parameters
    Self.press(&app, .tab, .character("+"))
    #expect(app.state.parameters == before)
    #expect(app.state.notice?.text == "k_linear.weight is locked in this step; only output.bias can change (Tab reaches it).")
    #expect(Self.screen(app).contains("k_linear.weight is locked in this step"))
    // `=` is refused the same way, and a step that locks everything says so.
    Self.press(&app, .character("="))
    #expect(app.state.input == nil && app.state.notice?.isError == true)
    lesson.steps[2].editable = []
    app = Self.app(step: 2, lesson: lesson)
    Self.press(&app, .tab, .character("-"))
    #expect(app.state.parameters == before)
    #expect(app.state.notice?.text == "Every parameter is locked in this step: watch the numbers, or go on with n.")
  }

  /// Every parameter a step lets the student edit gets a panel on any stage, so Tab and Shift-Tab reach it,
  /// and it can be changed there.
  @Test func tabReachesEveryEditableParameterOnAnyStage() throws {
    let editable = ["q_linear.bias", "k_linear.weight", "v_linear.bias", "o_linear.weight", "ffn1.bias", "output.weight"]
    for stage in [Stage.scores, .softmax, .attention, .loss] {
      let lesson = LessonTests.lesson([LessonStep(title: "edit", prose: "Change them.", stage: stage, editable: editable)])
      for key in [Key.tab, .backTab] {
        var app = Self.app(lesson: lesson)
        var seen: Set<String> = []
        for _ in 0..<app.state.selectable.count {
          Self.press(&app, key)
          seen.insert(app.state.selection.tensor.name)
          if editable.contains(app.state.selection.tensor.name) {
            // The selected panel is on screen (scrolled to) and its entry can be nudged.
            let title = app.state.title(of: app.state.selection.tensor)
            #expect(Self.screen(app).contains("▸ " + title.prefix(6)), "\(stage) \(title)")
            let before = app.state.parameters[app.state.selection.tensor.name]
            Self.press(&app, .character("+"))
            #expect(app.state.parameters[app.state.selection.tensor.name] != before, "\(stage) \(app.state.selection.tensor)")
            #expect(app.state.notice?.isError == false)
          }
        }
        #expect(Set(editable).isSubset(of: seen), "\(stage) \(key): \(Set(editable).subtracting(seen))")
      }
    }
  }

  // MARK: Training

  @Test func repeatedSGDStepsLowerTheLoss() {
    var app = Self.app(step: 14)
    let start = app.state.trace.loss
    for _ in 0..<20 { Self.press(&app, .character("t")) }
    #expect(app.state.trace.loss < start)
    #expect(app.state.training.steps == 20)
    #expect(app.state.training.losses.count == 20)
    #expect(app.state.training.losses.first == start)
    #expect(Self.header(app).contains("20 steps"))
  }

  @Test func anSGDStepShowsTheUpdateWithItsNumbers() throws {
    var app = Self.app(step: 14)  // output.weight[0,0]
    let w = app.state.parameters["output.weight"]![0, 0]
    let g = try #require(app.state.trace.gradients["output.weight"]?[0, 0])
    Self.press(&app, .character("t"))
    let updated = app.state.parameters["output.weight"]![0, 0]
    #expect(abs(updated - (w - 0.1 * g)) < 1e-15)
    let notice = try #require(app.state.notice?.text)
    #expect(notice.contains("output.weight[0,0] ← w − lr·g = \(Format.number(w)) − 0.1·\(Format.number(g)) = \(Format.number(updated))"))
  }

  @Test func runAndPauseDriveTrainingByTicks() {
    var app = Self.app(step: 14)
    #expect(app.tickInterval == nil)
    _ = app.update(.tick)
    #expect(app.state.training.steps == 0)
    Self.press(&app, .character("r"))
    #expect(app.tickInterval != nil)
    let start = app.state.trace.loss
    for _ in 0..<4 { _ = app.update(.tick) }
    #expect(app.state.training.steps == 4 * AppState.stepsPerTick)
    #expect(app.state.trace.loss < start)
    #expect(Self.header(app).contains("▶ training 20 steps"))
    Self.press(&app, .character("r"))
    #expect(app.tickInterval == nil)
    _ = app.update(.tick)
    #expect(app.state.training.steps == 4 * AppState.stepsPerTick)
    // The whole run undoes as one.
    Self.press(&app, .character("u"))
    #expect(app.state.training.steps == 0)
    #expect(app.state.trace.loss == start)
  }

  @Test func learningRateKeys() {
    var app = Self.app(step: 14)
    Self.press(&app, .character(">"))
    #expect(app.state.learningRate == 0.3)
    Self.press(&app, .character("<"), .character("<"))
    #expect(app.state.learningRate == 0.03)
    #expect(Self.header(app).contains("lr 0.03"))
  }

  @Test func aLossThatStopsBeingANumberIsShownAndUndoable() {
    var app = Self.app(step: 14)
    let loss = app.state.trace.loss
    // A huge learning rate blows the block up.
    for _ in 0..<8 { Self.press(&app, .character(">")) }
    Self.press(&app, .character("r"))
    for _ in 0..<40 where app.state.training.running { _ = app.update(.tick) }
    Self.press(&app, .character("="), .character("1"), .character("e"), .character("3"), .character("0"), .character("0"), .enter)
    #expect(!app.state.lossIsFinite)
    #expect(!app.state.training.running)
    let screen = Self.screen(app)
    #expect(screen.contains("u undoes"))
    // Every size still draws.
    for (w, h) in [(100, 30), (80, 24), (60, 16)] { _ = app.view(width: w, height: h) }
    for _ in 0..<3 { Self.press(&app, .character("u")) }
    #expect(app.state.trace.loss == loss)
  }

  // MARK: Toggles

  @Test func togglesRerunTheBlock() throws {
    var app = Self.app(step: 5)
    let loss = app.state.trace.loss
    let probs = try #require(app.state.trace.activations["probs"])
    #expect(probs.slice(0)[0, 1] == 0)
    Self.press(&app, .character("c"))
    #expect(app.state.config.causal == false)
    #expect(app.state.trace.loss != loss)
    #expect(try #require(app.state.trace.activations["probs"]).slice(0)[0, 1] > 0)
    #expect(Self.header(app).contains("causal ✗"))

    let scaled = try #require(app.state.trace.activations["scores"])
    Self.press(&app, .character("s"))
    let unscaled = try #require(app.state.trace.activations["scores"])
    #expect(relativeDifference(unscaled.map { $0 / Double(app.state.config.dK).squareRoot() }, scaled) < 1e-12)

    Self.press(&app, .character("R"))
    #expect(app.state.trace.activations["h1"] == app.state.trace.activations["attn_out"])
    #expect(Self.screen(app).contains("residual ✗"))
  }

  // MARK: Walking and selecting

  @Test func stepsWalkForwardAndBack() {
    var app = Self.app()
    Self.press(&app, .character("n"), .character(" "), .pageDown)
    #expect(app.state.stepIndex == 3)
    Self.press(&app, .character("p"), .pageUp)
    #expect(app.state.stepIndex == 1)
    Self.press(&app, .character("p"), .character("p"))
    #expect(app.state.stepIndex == 0)
    #expect(app.state.notice?.text == "This is the first step.")
    for _ in 0..<20 { Self.press(&app, .character("n")) }
    #expect(app.state.stepIndex == 14)
    #expect(app.state.notice?.text.contains("last step") == true)
  }

  @Test func theTourHasOneStepPerStageInOrder() {
    #expect(ExplainerApp.tour().steps.map(\.stage) == Stage.allCases)
  }

  @Test func tabWalksTheStagesTensorsAndWraps() {
    var app = Self.app(step: 2)
    let choices = app.state.selectable
    #expect(choices.count == 10)
    var seen: [TensorRef] = []
    for _ in choices { Self.press(&app, .tab); seen.append(app.state.selection.tensor) }
    #expect(Set(seen) == Set(choices))
    Self.press(&app, .backTab)
    #expect(app.state.selection.tensor == seen[seen.count - 2])
  }

  @Test func theCursorStaysInsideTheTensor() {
    var app = Self.app(step: 3)  // scores, 8×8
    for _ in 0..<20 { Self.press(&app, .down, .character("l")) }
    #expect(app.state.selection.row == 7 && app.state.selection.column == 7)
    for _ in 0..<20 { Self.press(&app, .up, .character("h")) }
    #expect(app.state.selection.row == 0 && app.state.selection.column == 0)
  }

  @Test func theStatusLineShowsTheEntryItsGradientAndItsFormula() throws {
    let app = Self.app(step: 2)  // Q[2,3]
    let screen = Self.screen(app)
    let q = try #require(app.state.trace.activations["Q"])[2, 3]
    let dq = try #require(app.state.trace.activationGradients["Q"])[2, 3]
    #expect(screen.contains("Q[2,3] = \(Format.number(q))   ∂loss/∂Q[2,3] = \(Format.number(dq))"))
    #expect(screen.contains("Q[2,3] = x[2,:]·Wq[3,:] + bq[3] = ("))
  }

  @Test func headsChangeWithBraces() {
    var app = Self.app(step: 3)
    Self.press(&app, .character("}"))
    #expect(app.state.selection.head == 1)
    #expect(Self.screen(app).contains("scores[h1] = Q·Kᵀ/√8"))
    Self.press(&app, .character("}"))
    #expect(app.state.selection.head == 0)
    Self.press(&app, .character("{"))
    #expect(app.state.selection.head == 1)
  }

  /// Every formula computes the entry it explains.
  @Test func formulasComputeTheirEntries() throws {
    var app = Self.app()
    var checked = 0
    for _ in 0..<10 {
      for ref in app.state.selectable where !app.state.isParameter(ref.name) && ref != .graph {
        Self.press(&app, .tab)
        while app.state.selection.tensor != ref { Self.press(&app, .tab) }
        let (rows, columns) = app.state.dimensions(of: ref)
        for (i, j) in [(0, 0), (rows - 1, columns - 1), (rows / 2, columns / 3), (1, min(columns - 1, 2))] {
          var state = app.state
          state.selection.row = i
          state.selection.column = j
          let expected = try #require(state.matrix(ref)?[i, j])
          let value = try #require(state.explanation().value, "\(ref)[\(i),\(j)] has no formula")
          #expect(value == expected || abs(value - expected) <= 1e-12 * max(1, abs(expected)), "\(ref)[\(i),\(j)]")
          checked += 1
        }
      }
      Self.press(&app, .character("n"))
    }
    #expect(checked > 60)
  }

  @Test func sourcesOfAScoreAreTheRowsOfQAndK() {
    var app = Self.app(step: 3)
    Self.press(&app, .down, .down, .right)  // scores[h0][5,2]
    let sources = app.state.explanation().sources
    let dk = app.state.config.dK
    #expect(sources[TensorRef("Q", perHead: true)] == Set((0..<dk).map { 5 * dk + $0 }))
    #expect(sources[TensorRef("K", perHead: true)] == Set((0..<dk).map { 2 * dk + $0 }))
    #expect(Self.screen(app).contains("•"))
  }

  @Test func aParameterEntryMarksWhatItFeeds() {
    var app = Self.app(step: 2)  // Q[2,3]
    Self.press(&app, .backTab, .backTab, .down)  // Wq[3,0]
    let marked = app.state.explanation().sources
    let t = app.state.config.seqLen, d = app.state.config.dModel
    #expect(marked[TensorRef("Q")] == Set((0..<t).map { $0 * d + 3 }))
    #expect(marked[TensorRef("q_linear.weight", gradient: true)] == [3 * d])
    // An embedding row feeds every position holding its token.
    let tokens = app.state.tokens
    var embedding = Self.app()
    Self.press(&embedding, .right)
    #expect(embedding.state.explanation().sources[TensorRef("x")] == Set(tokens.indices.filter { tokens[$0] == tokens[0] }.map { $0 * d + 1 }))
  }

  // MARK: Gradient check

  @Test func theLiveGradientCheckAgreesWithBackPropagation() throws {
    var app = Self.app(step: 11)
    for parameter in 0..<16 {
      // The entry with the largest gradient, so the relative difference measures something.
      let name = app.state.selection.tensor.name
      let gradient = try #require(app.state.trace.gradients[name])
      guard let largest = gradient.data.indices.max(by: { abs(gradient.data[$0]) < abs(gradient.data[$1]) }),
            abs(gradient.data[largest]) > 1e-8 else { Self.press(&app, .tab); continue }
      let columns = gradient.shape.count == 2 ? gradient.shape[1] : 1
      var state = app.state
      state.selection.row = largest / columns
      state.selection.column = largest % columns
      let check = try #require(state.checkGradient())
      #expect(check.relativeDifference < 1e-6, "\(name) entry \(largest): \(check)")
      #expect(check.analytic == gradient.data[largest])
      Self.press(&app, .tab)
      _ = parameter
    }
    // `g` turns the check on for the selection; it follows the cursor and shows in the status line.
    Self.press(&app, .character("g"))
    let row = try #require(app.state.gradientCheck?.row)
    Self.press(&app, .down)
    #expect(app.state.gradientCheck?.row == row + 1)
    // The status line spells it as fully as the width allows.
    #expect(Self.screen(app, 140, 30).contains("gradient check: (loss(w+h) − loss(w−h))/2h"))
    #expect(Self.screen(app).contains("finite difference ") && Self.screen(app).contains(" · backprop "))
    #expect(Self.screen(app, 80, 24).contains("finite diff"))
    Self.press(&app, .character("g"))
    #expect(app.state.gradientCheck == nil)
  }

  /// Every entry, the near-zero ones included (∂loss/∂k_linear.bias is zero up to rounding: softmax ignores a
  /// constant added to a row), agrees: below the check's resolution gradients are compared absolutely.
  @Test func theLiveGradientCheckAgreesOnEveryEntryEvenNearZero() throws {
    var app = Self.app(step: 11)
    var sawNearZero = false
    for _ in 0..<16 {
      let name = app.state.selection.tensor.name
      let gradient = try #require(app.state.trace.gradients[name])
      let columns = gradient.shape.count == 2 ? gradient.shape[1] : 1
      for entry in gradient.data.indices {
        var state = app.state
        state.selection.row = entry / columns
        state.selection.column = entry % columns
        let check = try #require(state.checkGradient())
        sawNearZero = sawNearZero || abs(check.analytic) < 1e-12
        #expect(check.relativeDifference < 1e-6, "\(name) entry \(entry): \(check)")
      }
      Self.press(&app, .tab)
    }
    #expect(sawNearZero)
  }

  @Test func theGradientCheckStageChecksTheSelection() throws {
    let app = Self.app(step: 13)
    let check = try #require(app.state.gradientCheck)
    #expect(check.relativeDifference < 1e-6)
    #expect(Self.screen(app).contains("✓ they agree"))
  }

  // MARK: Help, quitting, sizes

  /// The keys of DESIGN.md's contract: each sends a command and each is named in the help overlay.
  @Test func helpListsEveryKey() {
    let contract: [(Key, String)] = [
      (.character("n"), "n"), (.character(" "), "space"), (.character("p"), "p"), (.up, "arrows"), (.down, "arrows"),
      (.left, "arrows"), (.right, "arrows"), (.character("h"), "h"), (.character("j"), "j"), (.character("k"), "k"),
      (.character("l"), "l"), (.tab, "Tab"), (.backTab, "Shift-Tab"), (.character("+"), "+"), (.character("-"), "-"),
      (.character("t"), "t"), (.character("r"), "r"), (.character("?"), "?"), (.character("q"), "q"),
    ]
    for (key, _) in contract { #expect(KeyMap.command(for: key) != nil, "\(key)") }
    var app = Self.app()
    Self.press(&app, .character("?"))
    #expect(app.state.showsHelp)
    let help = Self.screen(app)
    for (_, label) in contract { #expect(help.contains(label), "help names \(label)") }
    for binding in KeyMap.help { #expect(Self.lists(help, binding.keys, binding.meaning), "help lists \(binding.keys)") }
    // On smaller screens every key is still there, spelled short.
    for (width, height) in [(80, 24), (60, 16)] {
      let small = Self.screen(app, width, height)
      for binding in KeyMap.help {
        #expect(Self.lists(small, binding.short.keys, binding.short.meaning), "\(width)×\(height) help lists \(binding.short.keys)")
      }
      #expect(small.contains("? or Esc closes this help"))
    }
    Self.press(&app, .escape)
    #expect(!app.state.showsHelp)
  }

  /// Whether a line of the screen shows `keys`, then spaces, then `meaning`.
  static func lists(_ screen: String, _ keys: String, _ meaning: String) -> Bool {
    let pattern = "(^|[ │|])" + NSRegularExpression.escapedPattern(for: keys) + " {2,}"
      + NSRegularExpression.escapedPattern(for: meaning)
    return screen.split(separator: "\n").contains { $0.range(of: pattern, options: .regularExpression) != nil }
  }

  @Test func theKeyHintMentionsTheLessonsWhenThereIsRoom() {
    let app = Self.app()
    for (width, height) in [(60, 16), (80, 24), (100, 30), (140, 40)] {
      let hint = app.view(width: width, height: height).lines.last ?? ""
      #expect(hint.contains("L lessons") && hint.contains("? help") && hint.contains("q quit"), "\(width): \(hint)")
    }
  }

  @Test func qAndControlCQuit() {
    var app = Self.app()
    #expect(Self.press(&app, .character("x")) == .none)
    #expect(Self.press(&app, .character("q")) == .quit)
    #expect(Self.press(&app, .control("c")) == .quit)
    Self.press(&app, .character("?"))
    #expect(Self.press(&app, .character("q")) == .quit)
  }

  @Test func aSmallTerminalAsksForMoreRoomAndRecovers() {
    var app = Self.app()
    _ = app.update(.resize(width: 40, height: 10))
    #expect(app.state.terminalSize?.width == 40)
    let small = Self.screen(app, 40, 10)
    #expect(small.contains("needs at least"))
    #expect(small.contains("40×10"))
    _ = app.update(.resize(width: 100, height: 30))
    let large = Self.screen(app)
    #expect(!large.contains("needs at least"))
    #expect(large.contains("loss"))
  }

  @Test func everyStageDrawsAtEverySize() {
    let sizes = [(0, 0), (1, 1), (40, 10), (59, 16), (60, 15), (60, 16), (61, 17), (80, 24), (100, 30), (200, 60)]
    var app = Self.app()
    for _ in 0..<15 {
      for (w, h) in sizes {
        let buffer = app.view(width: w, height: h)
        #expect(buffer.width == w && buffer.height == h)
      }
      Self.press(&app, .tab, .down, .right, .character("n"))
    }
  }

  @Test func otherBlockShapesDrawEveryStage() {
    var small = BlockConfig()
    (small.vocabSize, small.dModel, small.heads, small.dFF, small.seqLen, small.positional) = (3, 4, 1, 3, 1, false)
    var wide = BlockConfig()
    (wide.vocabSize, wide.dModel, wide.heads, wide.dFF, wide.seqLen, wide.causal) = (40, 24, 4, 48, 12, false)
    for config in [small, wide] {
      var app = Self.app(lesson: ExplainerApp.tour(config: config))
      for _ in 0..<15 {
        for (w, h) in [(60, 16), (100, 30), (200, 60)] { _ = app.view(width: w, height: h) }
        Self.press(&app, .tab, .down, .right, .character("+"), .character("n"))
      }
      #expect(app.state.stepIndex == 14)
    }
  }

  // MARK: Rendering

  @Test func monochromeUsesNoColourAndColourSeparatesSigns() throws {
    let mono = Self.app(step: 2).view(width: 100, height: 30)
    #expect(mono.cells.allSatisfy { $0.style.foreground == .default && $0.style.background == .default })
    #expect(mono.cells.contains { $0.style.bold } && mono.cells.contains { $0.style.dim })

    let colour = ExplainerApp(lesson: ExplainerApp.tour(), step: 2, capabilities: Capabilities(colors: .full))
    let buffer = colour.view(width: 100, height: 30)
    let lines = buffer.lines
    // The Q panel's rows: a strongly negative number sits on blue, a strongly positive one on orange.
    let blues: Set<Color> = [.palette(67), .palette(24)], oranges: Set<Color> = [.palette(208), .palette(166)]
    var negative = 0, positive = 0
    for (y, line) in lines.enumerated() where line.hasPrefix("the ") || line.hasPrefix("cat ") {
      let characters = Array(line)
      for x in characters.indices where characters[x] == "-" && x + 1 < characters.count && characters[x + 1] == "1" {
        if let style = buffer[x, y]?.style, blues.contains(style.background) { negative += 1 }
      }
      for x in 1..<characters.count where characters[x] == "2" && characters[x - 1] == " " {
        if let style = buffer[x, y]?.style, oranges.contains(style.background) { positive += 1 }
      }
    }
    #expect(negative > 0 && positive > 0)
  }

  @Test func asciiTerminalsGetOnlyASCII() {
    var app = ExplainerApp(lesson: ExplainerApp.tour(), capabilities: Capabilities(colors: .basic, unicode: false))
    for _ in 0..<15 {
      for (w, h) in [(80, 24), (100, 30)] {
        #expect(app.view(width: w, height: h).cells.allSatisfy { $0.symbol.isASCII })
      }
      _ = app.update(.key(.character("n")))
    }
    _ = app.update(.key(.character("?")))
    #expect(app.view(width: 80, height: 24).cells.allSatisfy { $0.symbol.isASCII })
  }

  @Test func challengesShowTheEvaluatorsVerdict() {
    let met = ExplainerApp(lesson: ExplainerApp.tour(), step: 14, capabilities: Capabilities(colors: .none),
                           parameters: nil, challengeEvaluator: { challenge, trace, _ in
                             challenge.source == "loss < 0.01" ? trace.loss < 100 : nil
                           })
    #expect(Self.screen(met).contains("[✓] loss < 0.01"))
    #expect(Self.screen(Self.app(step: 14)).contains("[ ] loss < 0.01"))
  }

  @Test func loadedParametersReplaceTheSeeds() {
    var parameters = Parameters(initializedFor: ExplainerApp.tour().config)
    parameters["output.bias"] = Tensor(zeros: [8])
    let app = ExplainerApp(lesson: ExplainerApp.tour(), parameters: parameters, challengeEvaluator: nil)
    #expect(app.state.parameters == parameters)
    #expect(app.state.initialParameters == parameters)
  }

  @Test func theGraphListsEveryOpWithItsGradient() {
    var app = Self.app(step: 12)
    let tape = app.state.trace.tape
    let screen = Self.screen(app, 100, 80)
    #expect(screen.contains("\(tape.count) values"))
    #expect(screen.contains("no break in the chain"))
    for node in tape.prefix(40) { #expect(screen.contains(node.label), "\(node.label)") }
    Self.press(&app, .down, .down, .down)
    #expect(Self.screen(app).contains("#3 q_linear.bias = a leaf"))
  }
}

/// The explainer on lessons as the lessons module writes them.
struct LessonTests {
  static func lesson(_ steps: [LessonStep]) -> Lesson {
    var lesson = ExplainerApp.tour()
    lesson.steps = steps
    return lesson
  }

  @Test func eachStepOpensOnTheLessonsBlockAndUndoBringsChangesBack() {
    var app = BehaviourTests.app(step: 14)
    BehaviourTests.press(&app, .character("t"), .character("t"), .character("c"))
    let trained = app.state.parameters
    BehaviourTests.press(&app, .character("p"))
    #expect(app.state.parameters == app.state.initialParameters)
    #expect(app.state.config == app.state.lesson.config)
    #expect(app.state.training.steps == 0)
    #expect(app.state.notice?.text.contains("u brings back your changes") == true)
    BehaviourTests.press(&app, .character("u"))
    #expect(app.state.parameters == trained)
    #expect(app.state.config.causal == false)
  }

  @Test func aStepsSwitchesHoldOnlyForThatStep() {
    let lesson = Self.lesson([
      LessonStep(title: "off", prose: "Scaling off.", stage: .scores, toggles: ["scale": false]),
      LessonStep(title: "on", prose: "Back on.", stage: .scores),
    ])
    var app = BehaviourTests.app(lesson: lesson)
    #expect(app.state.config.scale == false)
    BehaviourTests.press(&app, .character("u"))
    #expect(app.state.config.scale == false)  // nothing to undo at the start
    BehaviourTests.press(&app, .character("n"))
    #expect(app.state.config.scale == true)
  }

  @Test func aFocusTheStageDoesNotShowGetsItsOwnPanel() throws {
    let lesson = Self.lesson([
      LessonStep(title: "bias", prose: "Move the scores with the query bias.", stage: .scores, focus: "q_linear.bias",
                 entry: (row: 3, column: 0), editable: ["q_linear.bias"]),
    ])
    var app = BehaviourTests.app(lesson: lesson)
    #expect(app.state.selection == Selection(tensor: TensorRef("q_linear.bias"), row: 3, column: 0))
    #expect(app.state.selectable.contains(TensorRef("q_linear.bias")))
    let scores = try #require(app.state.trace.activations["scores"])
    BehaviourTests.press(&app, .character("+"))
    #expect(app.state.trace.activations["scores"] != scores)
    #expect(BehaviourTests.screen(app).contains("▸ bq"))
  }

  @Test func focusNamesResolveToWhatTheStageShows() {
    let steps = [("attention", Stage.attention), ("masked", .mask), ("scores", .scores), ("probs", .softmax),
                 ("∂loss/∂q_linear.weight", .backward), ("Q", .scores), ("masked", .softmax)]
    let lesson = Self.lesson(steps.map { LessonStep(title: $0.0, prose: "", stage: $0.1, focus: $0.0) })
    var app = BehaviourTests.app(lesson: lesson)
    let expected = [TensorRef("attention", perHead: true), TensorRef("masked", perHead: true),
                    TensorRef("scores", perHead: true), TensorRef("probs", perHead: true), TensorRef("q_linear.weight"),
                    TensorRef("Q", perHead: true), TensorRef("masked", perHead: true)]
    for ref in expected {
      #expect(app.state.selection.tensor == ref)
      BehaviourTests.press(&app, .character("n"))
    }
  }

  @Test func theShippedLessonsOpenEveryStep() throws {
    let lessons = try LessonLibrary.all()
    #expect(!lessons.isEmpty)
    for lesson in lessons {
      var app = ExplainerApp(lesson: lesson, capabilities: Capabilities(colors: .none))
      for step in lesson.steps {
        if let focus = step.focus {
          #expect(app.state.selection.tensor.name == TensorRef(focus: focus).name, "\(lesson.file):\(step.line)")
        }
        if let entry = step.entry, let focus = step.focus {
          // The entry is the one the lesson names, however the screen slices the tensor.
          let s = app.state.selection
          let isVector = app.state.parameters[focus]?.shape.count == 1
          let shown = app.state.matrix(s.tensor)?[s.row, s.column]
          let meant: Double? = isVector ? app.state.parameters[focus]?.data[max(entry.row, entry.column)]
            : app.state.matrix(TensorRef(focus: focus), head: s.head).map { $0.rows > entry.row && $0.cols > entry.column ? $0[entry.row, entry.column] : .nan }
          #expect(shown != nil && shown == meant, "\(lesson.file):\(step.line) \(entry) \(s)")
        }
        for (w, h) in [(80, 24), (100, 30)] {
          let lines = app.view(width: w, height: h).lines
          #expect(!lines.joined().contains("needs at least"))
        }
        _ = app.update(.key(.character("n")))
      }
    }
  }

  /// The tour's prose fits the four lines an 80×24 screen gives it, the challenge line included.
  @Test func theToursProseFitsAnEightyColumnScreen() {
    for step in ExplainerApp.tour().steps {
      let lines = TextPanel.wrap(step.prose, width: 78).count + (step.challenges.isEmpty ? 0 : 1)
      #expect(lines <= 4, "\(step.title) needs \(lines) lines")
    }
  }
}

struct PresenterTests {
  @Test func presenterModeGivesTheProseAndHintRowsToTheNumbers() {
    var state = AppState(lesson: ExplainerApp.tour(), step: 2)
    let normal = Screen.render(state, capabilities: Capabilities(colors: .full), width: 100, height: 30)
    state.presenter = true
    let presented = Screen.render(state, capabilities: Capabilities(colors: .full), width: 100, height: 30)
    let prose = state.step?.prose.prefix(30) ?? ""
    #expect(normal.lines.joined().contains(prose))
    #expect(!presented.lines.joined().contains(prose))
    #expect(normal.lines.last?.contains("? help") == true)
    #expect(!presented.lines.joined().contains("? help"))
    #expect(presented.cells.allSatisfy { !$0.style.dim })
    // Monochrome keeps dim: there it is what shows a small magnitude.
    let mono = Screen.render(state, capabilities: Capabilities(colors: .none), width: 100, height: 30)
    #expect(mono.cells.contains { $0.style.dim })
  }
}
