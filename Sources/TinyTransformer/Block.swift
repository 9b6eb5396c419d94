import Autodiff

/// The transformer block on an autodiff graph. The parameters are recorded once, as the graph's first leaves;
/// each `forward` re-records the rest of the tape (reusing its buffers), so training allocates nothing per step.
public final class Block {
  public let config: BlockConfig
  public let tokens: [Int]
  public let targets: [Int]

  let graph = Graph()
  /// Parameter leaves, in `Parameters.layout` order.
  let parameterVars: [(name: String, variable: Var)]
  /// The same leaves without their names, for SGD.
  private let parameterList: [Var]
  private let parameterMark: Int
  private let positions: [Int]
  /// The named values of the latest forward (its arrays are refilled in place, so a step allocates nothing).
  private var named = Named()
  /// The heads' outputs, refilled each forward (the graph lets go of the previous step's array on reset).
  private var heads: [Var] = []
  /// Labels of tape positions, filled only while tracing.
  private var labels: [Int: String]?

  /// A block with these parameters and this input; tokens and targets must be valid for the config.
  public init(config: BlockConfig, parameters: Parameters, tokens: [Int], targets: [Int]) {
    precondition(tokens.count == config.seqLen && targets.count == config.seqLen, "tokens/targets must have seq_len ids")
    self.config = config
    self.tokens = tokens
    self.targets = targets
    positions = Array(0..<config.seqLen)
    let graph = self.graph
    parameterVars = parameters.names.map { (name: $0, variable: graph.leaf(parameters[$0]!)) }
    parameterList = parameterVars.map(\.variable)
    parameterMark = graph.count
  }

  /// A block with the config's seeded parameters and its tokens and targets.
  public convenience init(config: BlockConfig) {
    self.init(config: config, parameters: Parameters(initializedFor: config),
              tokens: config.resolvedTokens, targets: config.resolvedTargets)
  }

  private struct Named {
    var x = Var(id: 0), q = Var(id: 0), k = Var(id: 0), v = Var(id: 0)
    var embedded = Var(id: 0)
    var scores: [Var] = [], probs: [Var] = []
    var attention = Var(id: 0), attnOut = Var(id: 0), h1 = Var(id: 0)
    var ffnPre = Var(id: 0), ffnHidden = Var(id: 0), ffnOut = Var(id: 0), y = Var(id: 0), logits = Var(id: 0)
    var loss = Var(id: 0)
  }

  private func p(_ index: Int) -> Var { parameterVars[index].variable }

  /// Names a tape position while tracing; the text is built only then, not on every training step.
  private func label(_ v: Var, _ text: @autoclosure () -> String) -> Var {
    if labels != nil { labels?[v.id] = text() }
    return v
  }

  /// x·Wᵀ + b, an nn.Linear.
  private func linear(_ x: Var, _ weight: Var, _ bias: Var, _ name: String, _ output: String) -> Var {
    let product = label(graph.matmul(x, weight, transposeB: true), "\(name)·\(weightLabel(weight))ᵀ")
    return label(graph.addBias(product, bias), output)
  }

  private func weightLabel(_ v: Var) -> String { parameterVars.first { $0.variable == v }?.name ?? "W" }

  /// Records the forward pass and returns the loss: the maths of DESIGN.md, op by op.
  @discardableResult
  public func forward() -> Double {
    graph.reset(to: parameterMark)
    var i = 0
    func next() -> Var { defer { i += 1 }; return p(i) }
    let embedding = next()
    let position = config.positional ? next() : nil
    let (wq, bq, wk, bk, wv, bv, wo, bo) = (next(), next(), next(), next(), next(), next(), next(), next())
    let (w1, b1, w2, b2, wout, bout) = (next(), next(), next(), next(), next(), next())

    var n = named
    named = Named()  // n is now the only owner of the arrays, so clearing them keeps their storage
    n.scores.removeAll(keepingCapacity: true)
    n.probs.removeAll(keepingCapacity: true)
    n.embedded = label(graph.gather(embedding, indices: tokens), "embedding.weight[tokens]")
    if let position {
      let pos = label(graph.gather(position, indices: positions), "position.weight[0..<T]")
      n.x = label(graph.add(n.embedded, pos), "x")
    } else {
      n.x = n.embedded
    }
    n.q = linear(n.x, wq, bq, "x", "Q")
    n.k = linear(n.x, wk, bk, "x", "K")
    n.v = linear(n.x, wv, bv, "x", "V")

    let dk = config.dK
    heads.removeAll(keepingCapacity: true)
    for h in 0..<config.heads {
      let qh = label(graph.sliceColumns(n.q, start: h * dk, count: dk), "Q[head \(h)]")
      let kh = label(graph.sliceColumns(n.k, start: h * dk, count: dk), "K[head \(h)]")
      let vh = label(graph.sliceColumns(n.v, start: h * dk, count: dk), "V[head \(h)]")
      let dots = label(graph.matmul(qh, kh, transposeB: true), "Q·Kᵀ[head \(h)]")
      // scores = Q·Kᵀ/√d_k: dividing keeps the softmax out of saturation as d_k grows.
      let scores = config.scale ? label(graph.scale(dots, 1 / Double(dk).squareRoot()), "scores[head \(h)]") : dots
      let probs = label(graph.softmax(scores, causal: config.causal), "probs[head \(h)]")
      heads.append(label(graph.matmul(probs, vh), "attention[head \(h)]"))
      n.scores.append(scores)
      n.probs.append(probs)
    }
    n.attention = label(graph.concatColumns(heads), "attention")
    n.attnOut = linear(n.attention, wo, bo, "attention", "attn_out")
    n.h1 = config.residual ? label(graph.add(n.x, n.attnOut), "h1 = x + attn_out") : n.attnOut
    n.ffnPre = linear(n.h1, w1, b1, "h1", "ffn_pre")
    n.ffnHidden = label(graph.relu(n.ffnPre), "ffn_hidden")
    n.ffnOut = linear(n.ffnHidden, w2, b2, "ffn_hidden", "ffn_out")
    n.y = config.residual ? label(graph.add(n.h1, n.ffnOut), "y = h1 + ffn_out") : n.ffnOut
    n.logits = linear(n.y, wout, bout, "y", "logits")
    n.loss = label(graph.crossEntropy(n.logits, targets: targets), "loss")
    named = n
    return graph.scalar(n.loss)
  }

  /// Back-propagates from the loss of the latest forward: every parameter gets ∂loss/∂parameter.
  public func backward() { graph.backward(named.loss) }

  /// One training step: forward, backward, then plain SGD p ← p − lr·∂loss/∂p. Returns the loss before the step.
  @discardableResult
  public func trainStep(lr: Double) -> Double {
    let loss = forward()
    backward()
    graph.sgdStep(parameterList, lr: lr)
    return loss
  }

  /// The current parameters.
  public var parameters: Parameters {
    let tensors = Dictionary(uniqueKeysWithValues: parameterVars.map { ($0.name, graph.value($0.variable)) })
    // The names and shapes are the ones this block was made from; the values may have diverged to NaN.
    return Parameters(trusted: config, tensors: tensors)
  }

  /// Replaces one parameter's values (the next forward uses them).
  public func setParameter(_ name: String, _ tensor: Tensor) {
    guard let entry = parameterVars.first(where: { $0.name == name }) else { preconditionFailure("no parameter \(name)") }
    graph.assign(entry.variable, tensor)
  }

  /// Runs forward and backward and collects every named activation, the loss, every gradient and the tape.
  public func trace() -> Trace {
    labels = [:]
    for (name, v) in parameterVars { labels?[v.id] = name }
    defer { labels = nil }
    let loss = forward()
    backward()
    let n = named
    let stack = { (vars: [Var], read: (Var) -> Tensor) in Tensor.stack(vars.map(read)) }
    var activations: [String: Tensor] = [
      "embedded": graph.value(n.embedded), "x": graph.value(n.x), "Q": graph.value(n.q), "K": graph.value(n.k),
      "V": graph.value(n.v), "scores": stack(n.scores, graph.value), "probs": stack(n.probs, graph.value),
      "attention": graph.value(n.attention), "attn_out": graph.value(n.attnOut), "h1": graph.value(n.h1),
      "ffn_pre": graph.value(n.ffnPre), "ffn_hidden": graph.value(n.ffnHidden), "ffn_out": graph.value(n.ffnOut),
      "y": graph.value(n.y), "logits": graph.value(n.logits),
    ]
    var activationGradients: [String: Tensor] = [:]
    for (key, v) in [("embedded", n.embedded), ("x", n.x), ("Q", n.q), ("K", n.k), ("V", n.v),
                     ("attention", n.attention), ("attn_out", n.attnOut), ("h1", n.h1), ("ffn_pre", n.ffnPre),
                     ("ffn_hidden", n.ffnHidden), ("ffn_out", n.ffnOut), ("y", n.y), ("logits", n.logits)] {
      activationGradients[key] = graph.grad(v)
    }
    activationGradients["scores"] = stack(n.scores, graph.grad)
    activationGradients["probs"] = stack(n.probs, graph.grad)
    activations["position"] = config.positional ? Tensor(shape: [config.seqLen, config.dModel],
      data: (0..<config.seqLen).flatMap { graph.value(parameterVars[1].variable).row($0) }) : nil
    let gradients = Dictionary(uniqueKeysWithValues: parameterVars.map { ($0.name, graph.grad($0.variable)) })
    let finalLabels = labels ?? [:]
    let tape = graph.tape.map { entry in
      TraceNode(label: finalLabels[entry.output.id] ?? "#\(entry.output.id)", op: entry.op,
                inputs: entry.inputs.map { finalLabels[$0.id] ?? "#\($0.id)" }, shape: entry.shape,
                value: graph.value(entry.output), gradient: graph.grad(entry.output))
    }
    return Trace(loss: loss, activations: activations, activationGradients: activationGradients,
                 gradients: gradients, tape: tape, targets: targets)
  }
}
