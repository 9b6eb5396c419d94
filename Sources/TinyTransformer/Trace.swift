import Foundation
import Autodiff

/// One op of the recorded forward pass, with its value and the gradient that flowed back into it.
public struct TraceNode: Sendable {
  /// What the value is (`Q`, `x·q_linear.weightᵀ`, `probs[head 0]`, a parameter name, …).
  public let label: String
  /// The op that made it (`matmul`, `softmax`, … or `leaf`).
  public let op: String
  /// The labels of its inputs.
  public let inputs: [String]
  public let shape: [Int]
  public let value: Tensor
  /// ∂loss/∂value.
  public let gradient: Tensor
}

/// Everything one forward and backward pass computed: the named activations of the export (plus a few more
/// for the explainer), the loss, ∂loss/∂ every parameter and every activation, and the tape.
public struct Trace: Sendable {
  public let loss: Double
  /// `x`, `Q`, `K`, `V` [T,d]; `scores`, `probs` [H,T,T]; `attention`, `attn_out`, `y` [T,d]; `ffn_hidden`
  /// [T,d_ff]; `logits` [T,V]; and for the explainer `embedded`, `position`, `h1`, `ffn_pre`, `ffn_out`.
  public let activations: [String: Tensor]
  /// ∂loss/∂activation for the same names (but `position`).
  public let activationGradients: [String: Tensor]
  /// ∂loss/∂parameter, by parameter name.
  public let gradients: [String: Tensor]
  /// The forward ops in order.
  public let tape: [TraceNode]
  public let targets: [Int]

  /// The cross-entropy of each position: −log softmax(logits[t])[target t]. Their mean is `loss`.
  public var tokenLosses: [Double] {
    let logits = activations["logits"]!
    return (0..<logits.rows).map { t in
      let row = logits.row(t)
      let peak = row.max()!
      let lse = peak + log(row.reduce(0) { $0 + exp($1 - peak) })
      return lse - row[targets[t]]
    }
  }

  /// The activation names the export writes.
  public static let exportedActivations = ["x", "Q", "K", "V", "scores", "probs", "attention", "attn_out",
                                           "ffn_hidden", "logits", "y"]
}

extension Block {
  /// Forward and backward for a set of parameters, without keeping the block.
  public static func trace(config: BlockConfig, parameters: Parameters, tokens: [Int], targets: [Int]) -> Trace {
    Block(config: config, parameters: parameters, tokens: tokens, targets: targets).trace()
  }
}
