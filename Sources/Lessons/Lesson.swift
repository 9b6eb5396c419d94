import TinyTransformer

/// The stages of the walkthrough of one block, in forward order, then backward: what a step shows.
public enum Stage: String, CaseIterable, Sendable {
  /// The input words and their ids.
  case tokens
  /// Embedding rows (+ position rows) = x.
  case embedding
  /// Q, K, V, each beside the W and b that made it.
  case qkv
  /// Per head: scores = Q·Kᵀ/√d_k.
  case scores
  /// The causal mask applied to the scores.
  case mask
  /// Softmax probabilities, rows summing to 1.
  case softmax
  /// attention = probs·V, per head.
  case attention
  /// The heads concatenated and mixed by the O projection.
  case output
  /// The residual connection h1 = x + attn_out.
  case residual
  /// The FFN: two Linear layers with ReLU between.
  case ffn
  /// Logits and the loss per token.
  case loss
  /// ∂loss/∂ every parameter, beside the parameter.
  case backward
  /// The computation graph: every op in forward order with the gradient flowing back through it.
  case graph
  /// Finite differences against back-propagation for the selected entry.
  case gradcheck
  /// SGD steps and the falling loss.
  case training
}

/// A goal on the live model that a step sets, e.g. `loss < 0.5` (parsed and evaluated by the lessons module).
public struct Challenge: Sendable {
  /// The text as the author wrote it.
  public var source: String
  /// Its line in the lesson file.
  public var line: Int
  /// A hint shown on request.
  public var hint: String?
  /// The parsed goal; a lesson file's challenges have their words already resolved to indices. Nil only when
  /// `source` does not parse (then the challenge is never met).
  public var condition: Condition?
  /// How the lesson says the goal can be reached (`solution:`); `qkv check` verifies that it does.
  public var solution: Solution?

  /// A challenge from its text alone (words are resolved against the model when it is evaluated).
  public init(source: String, line: Int, hint: String? = nil) {
    self.source = source
    self.line = line
    self.hint = hint
    self.condition = try? Condition(parsing: source)
  }

  /// A challenge with its parsed condition, as the lesson parser makes it.
  public init(source: String, line: Int, hint: String? = nil, condition: Condition, solution: Solution? = nil) {
    self.source = source
    self.line = line
    self.hint = hint
    self.condition = condition
    self.solution = solution
  }
}

/// A statement the prose makes about the numbers on screen (`claim:`), true with the lesson's seeded parameters;
/// `qkv check` fails a lesson whose claim is false, so the prose cannot drift from the numbers.
public struct Claim: Sendable {
  /// The text as the author wrote it.
  public var source: String
  /// Its line in the lesson file.
  public var line: Int
  public var condition: Condition

  public init(source: String, line: Int, condition: Condition) {
    self.source = source
    self.line = line
    self.condition = condition
  }
}

/// One step of a lesson: prose, and what the screen shows and focuses on.
public struct LessonStep: Sendable {
  public var title: String
  /// Short paragraphs of explanation.
  public var prose: String
  /// The line of the step's heading in the lesson file.
  public var line: Int
  public var stage: Stage
  /// The tensor selected when the step opens: a parameter name (`q_linear.weight`) or an activation name
  /// (`Q`, `probs`, …); nil leaves the selection to the stage.
  public var focus: String?
  /// The head shown for per-head tensors.
  public var head: Int?
  /// The entry selected in the focused tensor, (row, column).
  public var entry: (row: Int, column: Int)?
  /// Switches set when the step opens: `causal`, `scale`, `residual`.
  public var toggles: [String: Bool]
  /// The parameters the student may change in this step; nil means all.
  public var editable: [String]?
  public var challenges: [Challenge]
  /// What the prose states about the numbers (checked by `qkv check`, not shown as goals).
  public var claims: [Claim]

  public init(title: String, prose: String, line: Int = 0, stage: Stage, focus: String? = nil, head: Int? = nil,
              entry: (row: Int, column: Int)? = nil, toggles: [String: Bool] = [:], editable: [String]? = nil,
              challenges: [Challenge] = [], claims: [Claim] = []) {
    self.title = title
    self.prose = prose
    self.line = line
    self.stage = stage
    self.focus = focus
    self.head = head
    self.entry = entry
    self.toggles = toggles
    self.editable = editable
    self.challenges = challenges
    self.claims = claims
  }
}

/// A lesson: a block (config and input words) and the steps that walk through it.
public struct Lesson: Sendable {
  public var title: String
  /// The file it came from (empty for a built-in lesson).
  public var file: String
  public var config: BlockConfig
  /// The label of each token id (the lesson's vocabulary); ids are shown as numbers when nil.
  public var vocabulary: [String]?
  public var tokens: [Int]
  public var targets: [Int]
  public var steps: [LessonStep]
  /// The paragraph between the title and the first step: what the lesson is about (shown in the picker).
  public var summary: String
  /// The numeric prefix of the file name (`3` for `03-scores.md`); nil for a built-in lesson.
  public var number: Int?

  public init(title: String, file: String = "", config: BlockConfig, vocabulary: [String]? = nil,
              tokens: [Int], targets: [Int], steps: [LessonStep], summary: String = "", number: Int? = nil) {
    self.title = title
    self.file = file
    self.config = config
    self.vocabulary = vocabulary
    self.tokens = tokens
    self.targets = targets
    self.steps = steps
    self.summary = summary
    self.number = number
  }

  /// The input as words (ids as numbers when there is no vocabulary).
  public var words: [String] { tokens.map { label(ofID: $0) } }

  /// The label of a token id: its word, or the id itself.
  public func label(ofID id: Int) -> String {
    if let vocabulary, vocabulary.indices.contains(id) { return vocabulary[id] }
    return String(id)
  }

  /// The block's config with a step's switches applied (`set: causal off` …).
  public func config(for step: LessonStep) -> BlockConfig {
    var c = config
    for (name, on) in step.toggles { Toggle(rawValue: name)?.set(on, in: &c) }
    return c
  }
}

/// The switches a step may set: each reruns the block without changing its parameters.
public enum Toggle: String, CaseIterable, Sendable {
  case causal, scale, residual

  /// Sets this switch in a config.
  public func set(_ on: Bool, in config: inout BlockConfig) {
    switch self {
    case .causal: config.causal = on
    case .scale: config.scale = on
    case .residual: config.residual = on
    }
  }
}
