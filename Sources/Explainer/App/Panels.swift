import Lessons
import TinyTransformer

/// One rectangle of a stage's screen.
enum PanelSpec: Hashable, Sendable {
  /// A heatmap of a tensor (selectable).
  case tensor(TensorRef)
  /// The selected parameter, or its gradient beside it (stages that pick one parameter at a time).
  case selectedParameter(gradient: Bool)
  /// The input words, ids and targets.
  case tokens
  /// p(target) and −log p(target) per position, and their mean.
  case tokenLosses
  /// The tape in forward order (selectable: rows are ops).
  case graph
  /// Finite differences against back-propagation for the selected entry.
  case gradientCheck
  /// The loss curve of training.
  case lossCurve
}

extension Stage {
  /// What the stage shows, as rows of panels placed side by side when they fit.
  func panelRows(_ config: BlockConfig) -> [[PanelSpec]] {
    func t(_ name: String, head: Bool = false) -> PanelSpec { .tensor(TensorRef(name, perHead: head)) }
    func linear(_ layer: String) -> [PanelSpec] { [t("\(layer).weight"), t("\(layer).bias")] }
    let pair: [[PanelSpec]] = [[.selectedParameter(gradient: false), .selectedParameter(gradient: true)]]
    switch self {
    case .tokens: return [[.tokens], [t("embedding.weight")]]
    case .embedding:
      return config.positional
        ? [[t("embedding.weight")], [t("embedded")], [t("position.weight")], [t("x")]]
        : [[t("embedding.weight")], [t("x")]]
    case .qkv:
      return [[t("x")], linear("q_linear"), [t("Q")], linear("k_linear"), [t("K")], linear("v_linear"), [t("V")]]
    case .scores: return [[t("Q", head: true), t("K", head: true)], [t("scores", head: true)]]
    case .mask: return [[t("scores", head: true), t("mask")], [t("masked", head: true)]]
    case .softmax: return [[t(config.causal ? "masked" : "scores", head: true), t("probs", head: true)]]
    case .attention: return [[t("probs", head: true), t("V", head: true)], [t("attention", head: true)]]
    case .output: return [[t("attention")], linear("o_linear"), [t("attn_out")]]
    case .residual: return [[t("x")], [t("attn_out")], [t("h1")]]
    case .ffn:
      return [[t("h1")], linear("ffn1"), [t("ffn_pre")], [t("ffn_hidden")], linear("ffn2"), [t("ffn_out")], [t("y")]]
    case .loss: return [[t("y")], linear("output"), [t("logits"), .tokenLosses]]
    case .backward: return pair
    case .graph: return [[.graph]]
    case .gradcheck: return [[.gradientCheck], [.selectedParameter(gradient: false)]]
    case .training: return [[.lossCurve, .tokenLosses], [.selectedParameter(gradient: false)]]
    }
  }

  /// Whether the stage picks one parameter at a time (Tab walks through all of them, a picker lists them).
  var picksParameters: Bool { self == .backward || self == .gradcheck || self == .training }


  /// The tensor selected when a step of this stage opens without a `focus`.
  var defaultFocus: TensorRef {
    switch self {
    case .tokens: TensorRef("embedding.weight")
    case .embedding: TensorRef("x")
    case .qkv: TensorRef("Q")
    case .scores: TensorRef("scores", perHead: true)
    case .mask: TensorRef("masked", perHead: true)
    case .softmax: TensorRef("probs", perHead: true)
    case .attention: TensorRef("attention", perHead: true)
    case .output: TensorRef("attn_out")
    case .residual: TensorRef("h1")
    case .ffn: TensorRef("ffn_hidden")
    case .loss: TensorRef("logits")
    case .backward, .gradcheck: TensorRef("q_linear.weight")
    case .graph: .graph
    case .training: TensorRef("output.weight")
    }
  }

  /// A short name for the header.
  var heading: String {
    switch self {
    case .tokens: "tokens"
    case .embedding: "embedding"
    case .qkv: "Q, K, V"
    case .scores: "scores"
    case .mask: "causal mask"
    case .softmax: "softmax"
    case .attention: "attention"
    case .output: "concat + O"
    case .residual: "residual"
    case .ffn: "feed-forward"
    case .loss: "loss"
    case .backward: "backward"
    case .graph: "graph"
    case .gradcheck: "gradient check"
    case .training: "training"
    }
  }
}
