import Foundation

/// A tensor the screen shows and the cursor can select: a parameter, an activation, its gradient, or one head's
/// part of it.
public struct TensorRef: Hashable, Sendable, CustomStringConvertible {
  /// A parameter name (`q_linear.weight`), an activation name of the trace (`x`, `Q`, `scores`, `probs`, …),
  /// `mask` (0 or −∞), `masked` (scores + mask), or `graph` (the computation-graph list).
  public var name: String
  /// Only the selected head's part: its columns of `Q`, `K`, `V`, `attention`; its matrix of `scores`, `probs`,
  /// `masked`.
  public var perHead: Bool
  /// ∂loss/∂ the tensor rather than the tensor.
  public var gradient: Bool

  public init(_ name: String, perHead: Bool = false, gradient: Bool = false) {
    self.name = name
    self.perHead = perHead
    self.gradient = gradient
  }

  /// The computation-graph list (its rows are the ops of the tape).
  public static let graph = TensorRef("graph")

  /// The same tensor's gradient.
  var gradientRef: TensorRef { TensorRef(name, perHead: perHead, gradient: true) }
  /// The tensor itself (not its gradient).
  var valueRef: TensorRef { TensorRef(name, perHead: perHead) }

  public var description: String { gradient ? "∂loss/∂\(name)" : name }

  /// The tensor a lesson's `focus` names: a parameter or activation name, `∂loss/∂name`, or `name.grad`.
  public init(focus: String) {
    var name = focus.trimmingCharacters(in: .whitespaces)
    var gradient = false
    for prefix in ["∂loss/∂", "dloss/d"] where name.hasPrefix(prefix) {
      name = String(name.dropFirst(prefix.count))
      gradient = true
    }
    if name.hasSuffix(".grad") {
      name = String(name.dropLast(5))
      gradient = true
    }
    self.init(name, perHead: TensorRef.headed.contains(name), gradient: gradient)
  }

  /// The activations the walkthrough shows one head at a time (when a stage does).
  static let headed: Set<String> = ["scores", "probs", "masked"]
}

/// Short symbols for the parameters, as the formulas write them (`Wq` for `q_linear.weight`).
enum Symbol {
  static let parameters: [String: String] = [
    "embedding.weight": "E", "position.weight": "P",
    "q_linear.weight": "Wq", "q_linear.bias": "bq", "k_linear.weight": "Wk", "k_linear.bias": "bk",
    "v_linear.weight": "Wv", "v_linear.bias": "bv", "o_linear.weight": "Wo", "o_linear.bias": "bo",
    "ffn1.weight": "W1", "ffn1.bias": "b1", "ffn2.weight": "W2", "ffn2.bias": "b2",
    "output.weight": "Wout", "output.bias": "bout",
  ]

  /// The short symbol of a parameter (or the name itself).
  static func of(_ name: String) -> String { parameters[name] ?? name }
}
