import Autodiff
import Lessons
import TinyTransformer

/// Decides whether a challenge holds on the live model: true met, false not yet, nil cannot tell.
///
/// This is the one hook through which the explainer evaluates challenges. The lessons module supplies the real
/// evaluation (e.g. `{ challenge, trace, parameters in challenge.isMet(trace: trace, parameters: parameters) }`);
/// without one every challenge shows an empty slot.
public typealias ChallengeEvaluator = @Sendable (Challenge, Trace, Parameters) -> Bool?

/// Everything the explainer shows, as a value: the lesson and where the walkthrough is, the live block
/// (config, parameters, the trace of its forward and backward pass), the selection, the training run and the
/// undo history. `update` changes it; `view` draws it.
public struct AppState: Sendable {
  /// A training run's progress.
  public struct Training: Equatable, Sendable {
    /// Whether ticks take SGD steps.
    public var running = false
    /// SGD steps taken since the start (or the last reset).
    public var steps = 0
    /// The loss before each step taken, oldest first (the latest `lossHistoryLimit`).
    public var losses: [Double] = []
  }

  /// The sentence that explains the last action (or why it could not be done).
  public struct Notice: Equatable, Sendable {
    public var text: String
    public var isError: Bool
  }

  /// Finite differences against back-propagation for one parameter entry.
  public struct GradientCheckResult: Equatable, Sendable {
    public var parameter: String
    public var row: Int
    public var column: Int
    /// The step of the central difference.
    public var h: Double
    public var lossPlus: Double
    public var lossMinus: Double
    /// (loss(w+h) − loss(w−h)) / 2h.
    public var numeric: Double
    /// ∂loss/∂w from back-propagation.
    public var analytic: Double
    /// |numeric − analytic| / max(|numeric|, |analytic|).
    public var relativeDifference: Double
  }

  /// What `u` restores.
  struct Snapshot: Sendable {
    var parameters: Parameters
    var config: BlockConfig
    var training: Training
  }

  public internal(set) var lesson: Lesson
  /// The live config: the lesson's, with the causal / scale / residual switches as the student set them.
  public internal(set) var config: BlockConfig
  public internal(set) var tokens: [Int]
  public internal(set) var targets: [Int]
  /// What `0` goes back to: the parameters the session started from (the seed's, unless loaded).
  public internal(set) var initialParameters: Parameters
  public internal(set) var parameters: Parameters
  /// The latest forward and backward pass of `parameters` on `tokens`.
  public internal(set) var trace: Trace
  /// The walkthrough step shown (an index into `lesson.steps`).
  public internal(set) var stepIndex: Int
  public internal(set) var selection: Selection
  /// How much `+` / `-` add.
  public internal(set) var nudgeSize: Double
  /// The SGD learning rate of `t` and `r`.
  public internal(set) var learningRate: Double
  public internal(set) var training = Training()
  var undoStack: [Snapshot] = []
  /// Whether the help overlay covers the screen.
  public internal(set) var showsHelp = false
  /// What the input line is for.
  public enum InputKind: Equatable, Sendable {
    /// A parameter entry's value, after `=`.
    case value
    /// The file to save the session to, after `w`.
    case fileName
  }

  /// The text being typed on the input line (nil when not typing).
  public internal(set) var input: String?
  public internal(set) var inputKind = InputKind.value
  /// The file `w` asked to save the session to, until the program's `SessionWriter` writes it.
  public internal(set) var pendingSave: String?
  public internal(set) var notice: Notice?
  /// Whether the gradient check follows the selection (always on the gradcheck stage).
  public internal(set) var checksGradient = false
  public internal(set) var gradientCheck: GradientCheckResult?
  /// Presenter mode, for a projector: the screen leaves out the prose and the key hint and nothing is dim.
  public internal(set) var presenter = false
  /// The last size the terminal reported.
  public internal(set) var terminalSize: (width: Int, height: Int)?
  /// Whether each challenge of the step is met (nil: cannot tell), in the step's order.
  public internal(set) var challengeResults: [Bool?] = []
  /// Each challenge's comparisons with today's numbers (e.g. `0.3712 > 0.7`), nil where it cannot be evaluated.
  public internal(set) var challengeProgress: [String?] = []
  let evaluateChallenge: ChallengeEvaluator?

  /// Undo keeps this many states.
  static let undoLimit = 200
  /// The loss history keeps this many steps.
  static let lossHistoryLimit = 5_000
  /// Nudge sizes `[` and `]` step through.
  static let nudgeSizes: [Double] = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1]
  /// Learning rates `<` and `>` step through.
  static let learningRates: [Double] = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3]
  /// The step of the live gradient check's central difference.
  static let checkStep = 1e-5
  /// Below this size a gradient is compared absolutely: with h = 1e-5 a central difference of a loss near 1 carries
  /// about 2e-11 of rounding and truncation error, so the relative difference of two gradients near zero (one of
  /// them ±1e-11 noise) says nothing. Measured against max(|a|, |n|, 1e-4), that noise stays below 1e-6.
  static let checkFloor = 1e-4
  /// The file `w` offers, in the current folder.
  public static let defaultSessionFile = "qkv-session.json"

  /// A session on `lesson` at `step`; `parameters` (when their layout fits the lesson's config) replace the seed's.
  public init(lesson: Lesson, step: Int = 0, parameters: Parameters? = nil, challengeEvaluator: ChallengeEvaluator? = nil) {
    let config = lesson.config
    self.lesson = lesson
    self.config = config
    // Tokens the block cannot take would stop it with a precondition: fall back to the config's own.
    let valid = { (ids: [Int]) in ids.count == config.seqLen && ids.allSatisfy { (0..<config.vocabSize).contains($0) } }
    tokens = valid(lesson.tokens) ? lesson.tokens : config.resolvedTokens
    targets = valid(lesson.targets) ? lesson.targets : config.resolvedTargets
    let start = parameters.flatMap { p in p.names == Parameters.layout(for: config).map(\.name) ? p : nil }
      ?? Parameters(initializedFor: config)
    initialParameters = start
    self.parameters = start
    trace = Block.trace(config: config, parameters: start, tokens: tokens, targets: targets)
    stepIndex = 0
    selection = Selection(tensor: .graph)
    nudgeSize = 0.1
    learningRate = config.lr > 0 && config.lr.isFinite ? config.lr : 0.1
    evaluateChallenge = challengeEvaluator
    open(step: step)
    // The step's own switches are where the session starts, not a change to undo.
    undoStack = []
  }

  // MARK: Derived facts

  /// The step shown (nil for a lesson without steps).
  public var step: LessonStep? { lesson.steps.indices.contains(stepIndex) ? lesson.steps[stepIndex] : nil }
  /// The stage the screen shows.
  public var stage: Stage { step?.stage ?? .tokens }
  /// Whether the name is one of the block's parameters.
  func isParameter(_ name: String) -> Bool { parameters[name] != nil }
  /// What the screen shows: the stage's panels, plus a row for a tensor the step focuses on or lets the student
  /// edit when the stage does not show it (so it can always be selected and changed).
  var panelRows: [[PanelSpec]] {
    var rows = stage.panelRows(config)
    guard !stage.picksParameters, let step else { return rows }
    let shown = Set(rows.joined())
    var wanted: [TensorRef] = []
    if let focus = step.focus.map(TensorRef.init(focus:)) { wanted.append(focus) }
    // Every parameter the step lets the student edit can be reached with Tab, so a challenge can sit on the
    // stage whose numbers it changes. (Without `edit:` everything is editable: that is not a list to show.)
    if let editable = step.editable { wanted += editable.map { TensorRef($0) } }
    var extra: [PanelSpec] = []
    for ref in wanted where matrix(ref) != nil {
      let alternatives = [ref, TensorRef(ref.name, perHead: !ref.perHead, gradient: ref.gradient)]
      if !alternatives.contains(where: { shown.contains(.tensor($0)) }) && !extra.contains(.tensor(ref)) {
        extra.append(.tensor(ref))
      }
    }
    if !extra.isEmpty { rows.append(extra) }
    return rows
  }

  /// The tensors Tab walks through, in screen order.
  var selectable: [TensorRef] {
    if stage.picksParameters { return Parameters.layout(for: config).map { TensorRef($0.name) } }
    return panelRows.joined().compactMap { spec in
      switch spec {
      case .tensor(let ref): ref
      case .graph: .graph
      default: nil
      }
    }
  }
  /// Whether the loss of the current parameters is a number.
  public var lossIsFinite: Bool { trace.loss.isFinite }

  // MARK: Changing the block

  /// Reruns forward and backward (and whatever follows the live values).
  mutating func refresh(checks: Bool = true) {
    trace = Block.trace(config: config, parameters: parameters, tokens: tokens, targets: targets)
    if checks { refreshChecks() }
  }

  /// Re-evaluates the gradient check (when on) and the challenges.
  mutating func refreshChecks() {
    gradientCheck = checksGradient || stage == .gradcheck ? checkGradient() : nil
    challengeResults = (step?.challenges ?? []).map { challenge in
      evaluateChallenge?(challenge, trace, parameters) ?? nil
    }
    challengeProgress = (step?.challenges ?? []).map { challenge in
      evaluateChallenge == nil ? nil : challenge.progress(trace: trace, parameters: parameters, vocabulary: lesson.vocabulary)
    }
  }

  /// Remembers the present for `u`.
  mutating func pushUndo() {
    undoStack.append(Snapshot(parameters: parameters, config: config, training: training))
    if undoStack.count > AppState.undoLimit { undoStack.removeFirst(undoStack.count - AppState.undoLimit) }
  }

  /// The central difference of the loss in the selected parameter entry, against back-propagation.
  func checkGradient() -> GradientCheckResult? {
    guard let entry = parameterEntry(), var tensor = parameters[entry.name] else { return nil }
    let block = Block(config: config, parameters: parameters, tokens: tokens, targets: targets)
    let original = tensor.data[entry.index]
    var losses: [Double] = []
    let numeric = GradientCheck.centralDifference(at: original, step: AppState.checkStep) { value in
      tensor.data[entry.index] = value
      block.setParameter(entry.name, tensor)
      let loss = block.forward()
      losses.append(loss)
      return loss
    }
    let analytic = trace.gradients[entry.name]?.data[entry.index] ?? .nan
    return GradientCheckResult(
      parameter: entry.name, row: selection.row, column: selection.column, h: AppState.checkStep,
      lossPlus: losses.first ?? .nan, lossMinus: losses.last ?? .nan, numeric: numeric, analytic: analytic,
      relativeDifference: GradientCheck.relativeError(numeric, analytic, floor: AppState.checkFloor))
  }

  /// The parameter entry under the cursor (on a parameter or its gradient), as a name and a flat index.
  func parameterEntry() -> (name: String, index: Int)? {
    let ref = selection.tensor
    guard let tensor = parameters[ref.name], !ref.perHead else { return nil }
    // Weights are shown [out, in] as stored; a bias [n] is shown as a column, so its entry is its row.
    let columns = tensor.shape.count == 2 ? tensor.shape[1] : 1
    let index = selection.row * columns + selection.column
    return tensor.data.indices.contains(index) ? (ref.name, index) : nil
  }

  // MARK: Steps

  /// Opens a walkthrough step as a lesson's prose describes it: the starting parameters, the lesson's config
  /// with the step's switches, and the step's focus, head and entry. Returns whether the student's changes
  /// were set aside (`u` brings them back).
  @discardableResult
  mutating func open(step index: Int) -> Bool {
    stepIndex = lesson.steps.isEmpty ? 0 : min(max(index, 0), lesson.steps.count - 1)
    let step = self.step
    let fresh = step.map(lesson.config(for:)) ?? lesson.config
    let setAside = parameters != initialParameters || config != fresh || training.steps > 0
    if setAside {
      pushUndo()
      parameters = initialParameters
      config = fresh
      training = Training()
      trace = Block.trace(config: config, parameters: parameters, tokens: tokens, targets: targets)
    }
    let named = step?.focus.map(TensorRef.init(focus:)) ?? stage.defaultFocus
    let focus = resolve(named)
    var head = min(max(step?.head ?? 0, 0), config.heads - 1)
    // The embedding table's interesting row is the first token's.
    var row = step?.entry?.row ?? (focus.name == "embedding.weight" ? tokens.first ?? 0 : 0)
    var column = step?.entry?.column ?? 0
    if let entry = step?.entry {
      if parameters[focus.name]?.shape.count == 1 {
        // A vector is shown as a column: its one index (written as either coordinate) is the row.
        (row, column) = (entry.row == 0 ? entry.column : entry.row, 0)
      } else if focus.perHead && !named.perHead && ["Q", "K", "V", "attention"].contains(focus.name) {
        // A column of the whole tensor is a column of one head's slice.
        (head, column) = (entry.column / config.dK, entry.column % config.dK)
      }
    }
    selection = Selection(tensor: focus, head: head, row: row, column: column)
    clampSelection()
    refreshChecks()
    return setAside
  }

  /// The tensor of this screen that `ref` means: itself, its per-head (or whole) form, or the stage's default.
  func resolve(_ ref: TensorRef) -> TensorRef {
    let choices = selectable
    let alternatives = [ref, ref.valueRef, TensorRef(ref.name, perHead: !ref.perHead, gradient: ref.gradient),
                        TensorRef(ref.name, perHead: !ref.perHead)]
    if let match = alternatives.first(where: choices.contains) { return match }
    // `scores` and `masked` show the same numbers where the mask lets them through.
    if ref.name == "masked" || ref.name == "scores" {
      let twin = TensorRef(ref.name == "masked" ? "scores" : "masked", perHead: true, gradient: ref.gradient)
      if choices.contains(twin) { return twin }
    }
    return choices.contains(stage.defaultFocus) ? stage.defaultFocus : choices.first ?? stage.defaultFocus
  }

  /// Keeps the cursor inside the selected tensor.
  mutating func clampSelection() {
    selection.head = min(max(selection.head, 0), max(config.heads - 1, 0))
    let (rows, columns) = dimensions(of: selection.tensor)
    selection.row = min(max(selection.row, 0), max(rows - 1, 0))
    selection.column = min(max(selection.column, 0), max(columns - 1, 0))
  }
}
