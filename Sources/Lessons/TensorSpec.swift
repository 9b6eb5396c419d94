import TinyTransformer

/// What one axis of a tensor counts. It decides how an index on it is labelled and whether a word may name it:
/// a word names a position on a `position` axis (where it occurs in the text) and an id on a `vocabulary` axis.
public enum Axis: String, Sendable {
  case position, vocabulary, dimension, hidden, head

  /// What an index on this axis is called in messages.
  var noun: String {
    switch self {
    case .position: "position"
    case .vocabulary: "token id"
    case .dimension: "dimension"
    case .hidden: "hidden unit"
    case .head: "head"
    }
  }
}

/// A tensor a lesson can name — a parameter or an activation of the block — with its shape and axes.
public struct TensorSpec: Sendable {
  public let name: String
  public let shape: [Int]
  public let axes: [Axis]
  /// A weight or bias (editable, trained) rather than an activation.
  public let isParameter: Bool
  /// Whether `grad NAME` exists (every tensor but the `position` activation, whose gradient is
  /// `grad position.weight`).
  public let hasGradient: Bool

  /// Whether the first axis is one per head (`scores`, `probs`).
  public var isPerHead: Bool { axes.first == .head }
}

extension TensorSpec {
  /// Every tensor of a block with this config: its parameters in `Parameters.layout` order, then the activations
  /// of `Trace.activations` in forward order.
  public static func all(for c: BlockConfig) -> [TensorSpec] {
    let (t, d, v, f) = (c.seqLen, c.dModel, c.vocabSize, c.dFF)
    let parameters = Parameters.layout(for: c).map { name, shape in
      TensorSpec(name: name, shape: shape, axes: parameterAxes(name), isParameter: true, hasGradient: true)
    }
    func activation(_ name: String, _ shape: [Int], _ axes: [Axis], gradient: Bool = true) -> TensorSpec {
      TensorSpec(name: name, shape: shape, axes: axes, isParameter: false, hasGradient: gradient)
    }
    var activations = [activation("embedded", [t, d], [.position, .dimension])]
    if c.positional { activations.append(activation("position", [t, d], [.position, .dimension], gradient: false)) }
    activations += [
      activation("x", [t, d], [.position, .dimension]),
      activation("Q", [t, d], [.position, .dimension]),
      activation("K", [t, d], [.position, .dimension]),
      activation("V", [t, d], [.position, .dimension]),
      activation("scores", [c.heads, t, t], [.head, .position, .position]),
      activation("probs", [c.heads, t, t], [.head, .position, .position]),
      activation("attention", [t, d], [.position, .dimension]),
      activation("attn_out", [t, d], [.position, .dimension]),
      activation("h1", [t, d], [.position, .dimension]),
      activation("ffn_pre", [t, f], [.position, .hidden]),
      activation("ffn_hidden", [t, f], [.position, .hidden]),
      activation("ffn_out", [t, d], [.position, .dimension]),
      activation("y", [t, d], [.position, .dimension]),
      activation("logits", [t, v], [.position, .vocabulary]),
    ]
    return parameters + activations
  }

  /// The tensor with this name in a block with this config, or nil.
  public static func named(_ name: String, config: BlockConfig) -> TensorSpec? {
    all(for: config).first { $0.name == name }
  }

  /// Tensors the explainer draws but the model does not keep, so they can be focused but not used in a
  /// condition: the mask itself [T,T] and the scores after it, `masked` [H,T,T].
  public static func shown(for c: BlockConfig) -> [TensorSpec] {
    let t = c.seqLen
    return [
      TensorSpec(name: "mask", shape: [t, t], axes: [.position, .position], isParameter: false, hasGradient: false),
      TensorSpec(name: "masked", shape: [c.heads, t, t], axes: [.head, .position, .position], isParameter: false,
                 hasGradient: false),
    ]
  }

  /// nn.Linear weights are [out, in]; the embedding tables are [row, d_model].
  private static func parameterAxes(_ name: String) -> [Axis] {
    switch name {
    case "embedding.weight", "output.weight": [.vocabulary, .dimension]
    case "position.weight": [.position, .dimension]
    case "output.bias": [.vocabulary]
    case "ffn1.weight": [.hidden, .dimension]
    case "ffn1.bias": [.hidden]
    case "ffn2.weight": [.dimension, .hidden]
    case _ where name.hasSuffix(".bias"): [.dimension]
    default: [.dimension, .dimension]
    }
  }

  /// Why a name is not a tensor of this block, with the names that are.
  static func unknownMessage(_ name: String, config: BlockConfig) -> String {
    if !config.positional && (name == "position.weight" || name == "position") {
      return "\(name) does not exist in this block: positional is false"
    }
    let specs = all(for: config)
    let parameters = specs.filter(\.isParameter).map(\.name).joined(separator: ", ")
    let activations = specs.filter { !$0.isParameter }.map(\.name).joined(separator: ", ")
    return "no tensor named \"\(name)\" (parameters: \(parameters); activations: \(activations))"
  }
}

/// How the lesson's words label the axes: the vocabulary (id → word) and the input tokens (position → id).
struct WordLabels: Sendable {
  var vocabulary: [String]?
  var tokens: [Int]?

  /// The index a word names on an axis, or a message saying why it names none.
  func index(of word: String, on axis: Axis) -> Result<Int, ExpressionError> {
    guard axis == .position || axis == .vocabulary else {
      return .failure(ExpressionError("\"\(word)\" is a word, but this axis counts \(axis.noun)s: use a number"))
    }
    guard let vocabulary else { return .failure(ExpressionError("\"\(word)\": this block has no vocabulary of words")) }
    guard let id = vocabulary.firstIndex(of: word) else {
      let known = vocabulary.map { "\"\($0)\"" }.joined(separator: ", ")
      return .failure(ExpressionError("\"\(word)\" is not a word of this lesson (words: \(known))"))
    }
    if axis == .vocabulary { return .success(id) }
    guard let tokens else { return .failure(ExpressionError("\"\(word)\": the positions of the words are unknown")) }
    let positions = tokens.indices.filter { tokens[$0] == id }
    guard let first = positions.first else {
      return .failure(ExpressionError("\"\(word)\" is not in the text, so it names no position"))
    }
    if positions.count > 1 {
      let list = positions.map(String.init).joined(separator: " and ")
      return .failure(ExpressionError("\"\(word)\" is at positions \(list): use a number for the position"))
    }
    return .success(first)
  }
}
