/// The `qkv-export/1` document: a block's config, input, parameters, activations, gradients and a short SGD
/// run, in one JSON object that PyTorch scripts can check and `--load` can resume from.
public enum Export {
  public static let format = "qkv-export/1"

  /// What a document needs to be resumed: the config (with its `steps` and `lr`), the input and the parameters.
  public struct Session: Sendable {
    public var config: BlockConfig
    public var tokens: [Int]
    public var targets: [Int]
    public var parameters: Parameters

    public init(config: BlockConfig, tokens: [Int], targets: [Int], parameters: Parameters) {
      self.config = config
      self.tokens = tokens
      self.targets = targets
      self.parameters = parameters
    }

    /// A fresh session from a config: seeded parameters, the given or seeded tokens and targets.
    public init(config: BlockConfig) {
      self.init(config: config, tokens: config.resolvedTokens, targets: config.resolvedTargets,
                parameters: Parameters(initializedFor: config))
    }
  }

  /// Builds the whole document: a forward and backward pass at the session's parameters, then `steps` SGD
  /// steps at `lr`. Throws when training makes a number non-finite (JSON cannot hold it).
  public static func document(_ session: Session) throws(ConfigError) -> JSON {
    guard session.parameters.names.allSatisfy({ session.parameters[$0]!.data.allSatisfy(\.isFinite) }) else {
      throw ConfigError(key: "parameters", "some parameters are NaN or infinite")
    }
    let config = session.config
    let trace = Block.trace(config: config, parameters: session.parameters, tokens: session.tokens,
                            targets: session.targets)
    let block = Block(config: config, parameters: session.parameters, tokens: session.tokens, targets: session.targets)
    var losses: [Double] = []
    losses.reserveCapacity(config.steps)
    for step in 0..<config.steps {
      let loss = block.trainStep(lr: config.lr)
      guard loss.isFinite else {
        throw ConfigError(key: "lr", "training diverged: the loss is \(loss) before step \(step + 1) (try a smaller lr)")
      }
      losses.append(loss)
    }
    let trained = block.parameters
    var activations: [(String, JSON)] = Trace.exportedActivations.map { ($0, nested(trace.activations[$0]!)) }
    activations.append(("loss", .number(trace.loss)))
    let document = JSON.object([
      ("format", .string(format)),
      ("config", config.json(tokens: session.tokens, targets: session.targets)),
      ("tokens", ids(session.tokens)),
      ("targets", ids(session.targets)),
      ("parameters", named(session.parameters)),
      ("activations", .object(activations)),
      ("gradients", .object(session.parameters.names.map { ($0, nested(trace.gradients[$0]!)) })),
      ("training", .object([("loss", .array(losses.map { .number($0) })), ("parameters", named(trained))])),
    ])
    // JSON has no NaN or infinity: a number that overflowed anywhere (a parameter, an activation, a gradient)
    // makes the document impossible, never a crash or a corrupt file.
    guard document.isFinite else {
      throw ConfigError(key: "lr", "the block's numbers overflow to infinity or NaN (the parameters are too large, or training diverged: try a smaller lr)")
    }
    return document
  }

  /// Reads the session back from a document (its config, tokens, targets and initial parameters).
  public static func session(from json: JSON) throws(ConfigError) -> Session {
    guard case .object = json else { throw ConfigError("an export must be a JSON object, not \(json.kind)") }
    guard json["format"] == .string(format) else {
      throw ConfigError(key: "format", "not a qkv export: \"format\" must be \"\(format)\"")
    }
    guard let configJSON = json["config"] else { throw ConfigError(key: "config", "the export has no \"config\"") }
    var config = try BlockConfig(json: configJSON)
    for key in ["tokens", "targets"] {
      guard let value = json[key] else { continue }
      try config.set(key, value)
    }
    try config.validate()
    guard case .object(let members)? = json["parameters"] else {
      throw ConfigError(key: "parameters", "the export has no \"parameters\" object")
    }
    let layout = Parameters.layout(for: config)
    var tensors: [String: Tensor] = [:]
    for (name, value) in members {
      guard let shape = layout.first(where: { $0.name == name })?.shape else {
        throw ConfigError(key: name, "unknown parameter \(name) for this config")
      }
      tensors[name] = try tensor(value, shape: shape, name: name)
    }
    let parameters = try Parameters(config: config, tensors: tensors)
    return Session(config: config, tokens: config.resolvedTokens, targets: config.resolvedTargets, parameters: parameters)
  }

  // MARK: Tensors as nested arrays

  /// A tensor as nested JSON arrays, outermost axis first (a scalar as a number).
  public static func nested(_ t: Tensor) -> JSON {
    func build(_ axis: Int, _ offset: Int) -> JSON {
      if axis == t.shape.count { return .number(t.data[offset]) }
      let stride = t.shape[(axis + 1)...].reduce(1, *)
      return .array((0..<t.shape[axis]).map { build(axis + 1, offset + $0 * stride) })
    }
    return build(0, 0)
  }

  /// Reads nested arrays of the given shape into a tensor.
  public static func tensor(_ json: JSON, shape: [Int], name: String) throws(ConfigError) -> Tensor {
    var data: [Double] = []
    data.reserveCapacity(Tensor.count(of: shape))
    func read(_ value: JSON, _ axis: Int) throws(ConfigError) {
      if axis == shape.count {
        guard let x = value.number else { throw ConfigError(key: name, "\(name) holds \(value.kind) where a number belongs") }
        data.append(x)
        return
      }
      guard let items = value.array, items.count == shape[axis] else {
        throw ConfigError(key: name, "\(name) must have shape \(shape)")
      }
      for item in items { try read(item, axis + 1) }
    }
    try read(json, 0)
    return Tensor(shape: shape, data: data)
  }

  private static func ids(_ list: [Int]) -> JSON { .array(list.map { .number(Double($0)) }) }

  private static func named(_ p: Parameters) -> JSON { .object(p.names.map { ($0, nested(p[$0]!)) }) }
}
