import Foundation
import TinyTransformer

/// The block an expression is checked against: its tensors (from the config) and how words label their axes.
struct Scope: Sendable {
  var config: BlockConfig
  var labels: WordLabels
}

// MARK: Resolving: names checked, words turned into indices

extension Reference {
  /// This reference checked against a block, its words turned into numbers; `entry` demands a single number.
  func resolved(in scope: Scope, entry: Bool) throws(ExpressionError) -> Reference {
    try resolved(in: scope, entry: entry, spec: TensorSpec.named(name, config: scope.config))
  }

  /// The same against a given tensor (nil: the name is unknown), e.g. a display-only one for `select:`.
  func resolved(in scope: Scope, entry: Bool, spec: TensorSpec?) throws(ExpressionError) -> Reference {
    let config = scope.config
    guard let spec else {
      throw ExpressionError(TensorSpec.unknownMessage(name, config: config))
    }
    if gradient && !spec.hasGradient {
      throw ExpressionError("the position activation has no gradient of its own: use grad position.weight")
    }
    var out = self
    var shape = spec.shape
    var axes = spec.axes
    if let head {
      guard spec.isPerHead else { throw ExpressionError("\(name) is not split by head: drop [head \(head)]") }
      guard head < config.heads else {
        throw ExpressionError("head \(head) is out of range: this block has \(config.heads) head\(config.heads == 1 ? "" : "s") (0…\(config.heads - 1))")
      }
    } else if spec.isPerHead && !indices.isEmpty {
      guard config.heads == 1 else {
        throw ExpressionError("\(name) has \(config.heads) heads: name one, e.g. \(name)[head 0][…]")
      }
      out.head = 0
    }
    if out.head != nil {
      shape.removeFirst()
      axes.removeFirst()
    }
    if !indices.isEmpty && indices.count != shape.count {
      let given = indices.count == 1 ? "1 index was" : "\(indices.count) indices were"
      throw ExpressionError("\(spec.name) has \(shape.count) ax\(shape.count == 1 ? "is" : "es") (shape \(shape)) but \(given) given")
    }
    for (k, index) in indices.enumerated() {
      switch index {
      case .all: continue
      case .range(let a, let b):
        guard b <= shape[k] else {
          throw ExpressionError("range \(a):\(b) is out of range for \(spec.name): it has \(shape[k]) \(axes[k].noun)s (0…\(shape[k] - 1))")
        }
      case .word(let word):
        switch scope.labels.index(of: word, on: axes[k]) {
        case .success(let i): out.indices[k] = .at(i)
        case .failure(let error): throw error
        }
      case .at(let i):
        guard i >= 0, i < shape[k] else {
          throw ExpressionError("index \(i) is out of range for \(spec.name): it has \(shape[k]) \(axes[k].noun)s (0…\(shape[k] - 1))")
        }
      }
    }
    if entry && (out.indices.isEmpty || out.indices.contains { if case .at = $0 { false } else { true } }) {
      throw ExpressionError("\(text) is more than one number: pick one entry, e.g. \(name)[\(Array(repeating: "0", count: shape.count).joined(separator: ","))], or reduce it with max(…), min(…), sum(…), mean(…) or norm(…)")
    }
    return out
  }
}

extension Reference {
  /// How many numbers a resolved reference names in a block with this config.
  func count(in config: BlockConfig) -> Int {
    guard let spec = TensorSpec.named(name, config: config) else { return 0 }
    let shape = head == nil ? spec.shape : Array(spec.shape.dropFirst())
    return flatOffsets(shape: shape, indices: indices)?.count ?? 0
  }
}

extension Term {
  func resolved(in scope: Scope) throws(ExpressionError) -> Term {
    switch self {
    case .number: return self
    case .loss(nil): return self
    case .loss(let index?):
      let ref = Reference(gradient: false, name: "x", head: nil, indices: [index, .at(0)])
      guard case .at(let position)? = try ref.resolved(in: scope, entry: true).indices.first else { return self }
      return .loss(.at(position))
    case .entry(let ref): return .entry(try ref.resolved(in: scope, entry: true))
    case .negate(let inner): return .negate(try inner.resolved(in: scope))
    case .binary(let op, let a, let b): return .binary(op, try a.resolved(in: scope), try b.resolved(in: scope))
    case .function(let f, let inner): return .function(f, try inner.resolved(in: scope))
    case .aggregate(let kind, let ref): return .aggregate(kind, try ref.resolved(in: scope, entry: false))
    case .dot(let a, let b):
      let (ra, rb) = (try a.resolved(in: scope, entry: false), try b.resolved(in: scope, entry: false))
      let (na, nb) = (ra.count(in: scope.config), rb.count(in: scope.config))
      guard na == nb else {
        throw ExpressionError("dot needs two slices of one size: \(a.text) has \(na) numbers, \(b.text) has \(nb)")
      }
      return .dot(ra, rb)
    }
  }
}

extension Condition {
  /// The condition checked against a block, its words turned into indices.
  func resolved(in scope: Scope) throws(ExpressionError) -> Condition {
    var out = self
    for k in comparisons.indices {
      out.comparisons[k].lhs = try comparisons[k].lhs.resolved(in: scope)
      out.comparisons[k].rhs = try comparisons[k].rhs.resolved(in: scope)
    }
    out.isResolved = true
    return out
  }
}

// MARK: Evaluating against a trace

/// The live model an expression reads: the parameters and what forward and backward computed from them.
struct Model {
  let trace: Trace
  let parameters: Parameters

  /// The numbers a resolved reference names, or nil when it names nothing in this model.
  func values(_ ref: Reference) -> [Double]? {
    let found = ref.gradient
      ? trace.gradients[ref.name] ?? trace.activationGradients[ref.name]
      : parameters[ref.name] ?? trace.activations[ref.name]
    guard var tensor = found else { return nil }
    if let head = ref.head {
      guard tensor.shape.count == 3, head < tensor.shape[0] else { return nil }
      tensor = tensor.slice(head)
    }
    guard let offsets = flatOffsets(shape: tensor.shape, indices: ref.indices) else { return nil }
    return offsets.map { tensor.data[$0] }
  }

  func value(_ term: Term) -> Double? {
    switch term {
    case .number(let x): return x
    case .loss(nil): return trace.loss
    case .loss(.at(let t)?):
      let losses = trace.tokenLosses
      return losses.indices.contains(t) ? losses[t] : nil
    case .loss: return nil
    case .entry(let ref):
      guard let values = values(ref), values.count == 1 else { return nil }
      return values[0]
    case .negate(let inner): return value(inner).map { -$0 }
    case .binary(let op, let a, let b):
      guard let x = value(a), let y = value(b) else { return nil }
      return op(x, y)
    case .function(let f, let inner): return value(inner).map { f($0) }
    case .dot(let a, let b):
      guard let xs = values(a), let ys = values(b), xs.count == ys.count else { return nil }
      return zip(xs, ys).reduce(0) { $0 + $1.0 * $1.1 }
    case .aggregate(let kind, let ref):
      guard let xs = values(ref), !xs.isEmpty else { return nil }
      switch kind {
      case .max: return xs.max()
      case .min: return xs.min()
      case .sum: return xs.reduce(0, +)
      case .mean: return xs.reduce(0, +) / Double(xs.count)
      case .norm: return xs.reduce(0) { $0 + $1 * $1 }.squareRoot()
      }
    }
  }

  /// Both sides of every comparison, or nil when one names nothing here.
  func sides(_ condition: Condition) -> [(Double, Relation, Double)]? {
    var out: [(Double, Relation, Double)] = []
    for c in condition.comparisons {
      guard let a = value(c.lhs), let b = value(c.rhs) else { return nil }
      out.append((a, c.relation, b))
    }
    return out
  }

  func holds(_ condition: Condition) -> Bool {
    guard let sides = sides(condition) else { return false }
    return sides.allSatisfy { a, relation, b in a.isFinite && b.isFinite && relation.holds(a, b) }
  }
}

/// The row-major offsets of the entries that indices select (`.all` takes a whole axis; no indices, everything);
/// nil when an index is out of range or still a word.
func flatOffsets(shape: [Int], indices: [IndexTerm]) -> [Int]? {
  if indices.isEmpty { return Array(0..<Tensor.count(of: shape)) }
  guard indices.count == shape.count else { return nil }
  var offsets = [0]
  for (size, index) in zip(shape, indices) {
    let choices: [Int]
    switch index {
    case .all: choices = Array(0..<size)
    case .at(let i) where i >= 0 && i < size: choices = [i]
    case .range(let a, let b) where a >= 0 && a <= b && b <= size: choices = Array(a..<b)
    default: return nil
    }
    offsets = offsets.flatMap { base in choices.map { base * size + $0 } }
  }
  return offsets
}

extension Condition {
  /// Whether every comparison holds for this model (false when it names something the model does not have).
  public func isMet(trace: Trace, parameters: Parameters) -> Bool {
    isResolved && Model(trace: trace, parameters: parameters).holds(self)
  }

  /// The comparisons with today's numbers, e.g. `0.4213 > 0.7` (nil when it names something the model lacks).
  public func describe(trace: Trace, parameters: Parameters) -> String? {
    guard isResolved, let sides = Model(trace: trace, parameters: parameters).sides(self) else { return nil }
    return sides.map { "\(formatNumber($0.0)) \($0.1.rawValue) \(formatNumber($0.2))" }.joined(separator: " and ")
  }
}

/// A number in at most four significant digits, as lesson messages and progress lines show them.
func formatNumber(_ x: Double) -> String {
  String(format: "%.4g", x)
}

extension Challenge {
  /// Whether the goal is reached by this model. `vocabulary` labels token ids; it is used only for a challenge
  /// made from its text alone (a lesson's challenges are resolved when the file is parsed).
  public func isMet(trace: Trace, parameters: Parameters, vocabulary: [String]?) -> Bool {
    guard let condition = resolvedCondition(trace: trace, parameters: parameters, vocabulary: vocabulary) else { return false }
    return condition.isMet(trace: trace, parameters: parameters)
  }

  /// How far the goal is: each comparison with today's numbers, e.g. `0.4213 > 0.7`.
  public func progress(trace: Trace, parameters: Parameters, vocabulary: [String]?) -> String? {
    resolvedCondition(trace: trace, parameters: parameters, vocabulary: vocabulary)?
      .describe(trace: trace, parameters: parameters)
  }

  private func resolvedCondition(trace: Trace, parameters: Parameters, vocabulary: [String]?) -> Condition? {
    guard let condition else { return nil }
    if condition.isResolved { return condition }
    guard let scope = Scope(inferredFrom: trace, parameters: parameters, vocabulary: vocabulary) else { return nil }
    return try? condition.resolved(in: scope)
  }
}

extension Scope {
  /// The block's sizes read back from its tensors, and the input tokens from the embedding rows the forward
  /// pass gathered (an exact copy of a row of embedding.weight).
  init?(inferredFrom trace: Trace, parameters: Parameters, vocabulary: [String]?) {
    guard let embedding = parameters["embedding.weight"], embedding.shape.count == 2,
          let ffn1 = parameters["ffn1.weight"], let probs = trace.activations["probs"], probs.shape.count == 3,
          let embedded = trace.activations["embedded"] else { return nil }
    var config = BlockConfig()
    config.vocabSize = embedding.rows
    config.dModel = embedding.cols
    config.dFF = ffn1.rows
    config.heads = probs.shape[0]
    config.seqLen = embedded.rows
    config.positional = parameters["position.weight"] != nil
    let tokens = (0..<embedded.rows).map { t in (0..<embedding.rows).first { embedding.row($0) == embedded.row(t) } }
    self.init(config: config, labels: WordLabels(vocabulary: vocabulary, tokens: tokens.allSatisfy { $0 != nil } ? tokens.compactMap { $0 } : nil))
  }
}
