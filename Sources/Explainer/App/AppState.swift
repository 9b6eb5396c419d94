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
  /// The value being typed after `=` (nil when not typing).
  public internal(set) var input: String?
  public internal(set) var notice: Notice?
  /// Whether the gradient check follows the selection (always on the gradcheck stage).
  public internal(set) var checksGradient = false
  public internal(set) var gradientCheck: GradientCheckResult?
  /// Presenter mode (reserved: larger type for projectors is not implemented yet).
  public internal(set) var presenter = false
  /// The last size the terminal reported.
  public internal(set) var terminalSize: (width: Int, height: Int)?
  /// Whether each challenge of the step is met (nil: cannot tell), in the step's order.
  public internal(set) var challengeResults: [Bool?] = []
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
  }

  // MARK: Derived facts

  /// The step shown (nil for a lesson without steps).
  public var step: LessonStep? { lesson.steps.indices.contains(stepIndex) ? lesson.steps[stepIndex] : nil }
  /// The stage the screen shows.
  public var stage: Stage { step?.stage ?? .tokens }
  /// Whether the name is one of the block's parameters.
  func isParameter(_ name: String) -> Bool { parameters[name] != nil }
  /// The tensors Tab walks through on this stage.
  var selectable: [TensorRef] { stage.selectable(config) }
  /// Whether the loss of the current parameters is a number.
  public var lossIsFinite: Bool { trace.loss.isFinite }

  // MARK: Changing the block

  /// Reruns forward and backward (and whatever follows the live values).
  mutating func refresh() {
    trace = Block.trace(config: config, parameters: parameters, tokens: tokens, targets: targets)
    refreshChecks()
  }

  /// Re-evaluates the gradient check (when on) and the challenges.
  mutating func refreshChecks() {
    gradientCheck = checksGradient || stage == .gradcheck ? checkGradient() : nil
    challengeResults = (step?.challenges ?? []).map { challenge in
      evaluateChallenge?(challenge, trace, parameters) ?? nil
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
      relativeDifference: GradientCheck.relativeError(numeric, analytic))
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

  /// Opens a walkthrough step: its switches, its focus, head and entry.
  mutating func open(step index: Int) {
    stepIndex = lesson.steps.isEmpty ? 0 : min(max(index, 0), lesson.steps.count - 1)
    let step = self.step
    var changed = false
    for (name, value) in step?.toggles ?? [:] {
      switch name {
      case "causal" where config.causal != value: config.causal = value; changed = true
      case "scale" where config.scale != value: config.scale = value; changed = true
      case "residual" where config.residual != value: config.residual = value; changed = true
      default: break
      }
    }
    if changed { trace = Block.trace(config: config, parameters: parameters, tokens: tokens, targets: targets) }
    let choices = selectable
    var focus = step?.focus.map(TensorRef.init(focus:)) ?? stage.defaultFocus
    if !choices.contains(focus) {
      let alternatives = [focus.valueRef, TensorRef(focus.name, perHead: !focus.perHead),
                          TensorRef(focus.name, perHead: !focus.perHead, gradient: focus.gradient)]
      focus = alternatives.first(where: choices.contains) ?? (choices.contains(stage.defaultFocus)
        ? stage.defaultFocus : choices.first ?? stage.defaultFocus)
    }
    let head = min(max(step?.head ?? 0, 0), config.heads - 1)
    // The embedding table's interesting row is the first token's.
    let row = step?.entry?.row ?? (focus.name == "embedding.weight" ? tokens.first ?? 0 : 0)
    selection = Selection(tensor: focus, head: head, row: row, column: step?.entry?.column ?? 0)
    clampSelection()
    refreshChecks()
  }

  /// Keeps the cursor inside the selected tensor.
  mutating func clampSelection() {
    selection.head = min(max(selection.head, 0), max(config.heads - 1, 0))
    let (rows, columns) = dimensions(of: selection.tensor)
    selection.row = min(max(selection.row, 0), max(rows - 1, 0))
    selection.column = min(max(selection.column, 0), max(columns - 1, 0))
  }
}
