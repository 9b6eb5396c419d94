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

  public init(source: String, line: Int, hint: String? = nil) {
    self.source = source
    self.line = line
    self.hint = hint
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

  public init(title: String, prose: String, line: Int = 0, stage: Stage, focus: String? = nil, head: Int? = nil,
              entry: (row: Int, column: Int)? = nil, toggles: [String: Bool] = [:], editable: [String]? = nil,
              challenges: [Challenge] = []) {
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

  public init(title: String, file: String = "", config: BlockConfig, vocabulary: [String]? = nil,
              tokens: [Int], targets: [Int], steps: [LessonStep]) {
    self.title = title
    self.file = file
    self.config = config
    self.vocabulary = vocabulary
    self.tokens = tokens
    self.targets = targets
    self.steps = steps
  }
}
