import Foundation

/// Every weight and bias of the block, by PyTorch name, in a fixed order.
public struct Parameters: Equatable, Sendable {
  /// The names, in the order of `Parameters.layout(for:)`.
  public let names: [String]
  private var tensors: [String: Tensor]

  /// The names and shapes of a block's parameters (`position.weight` only when positional), nn.Linear layout
  /// [out, in].
  public static func layout(for c: BlockConfig) -> [(name: String, shape: [Int])] {
    var out: [(String, [Int])] = [("embedding.weight", [c.vocabSize, c.dModel])]
    if c.positional { out.append(("position.weight", [c.seqLen, c.dModel])) }
    for layer in ["q_linear", "k_linear", "v_linear", "o_linear"] {
      out.append(("\(layer).weight", [c.dModel, c.dModel]))
      out.append(("\(layer).bias", [c.dModel]))
    }
    out += [
      ("ffn1.weight", [c.dFF, c.dModel]), ("ffn1.bias", [c.dFF]),
      ("ffn2.weight", [c.dModel, c.dFF]), ("ffn2.bias", [c.dModel]),
      ("output.weight", [c.vocabSize, c.dModel]), ("output.bias", [c.vocabSize]),
    ]
    return out.map { (name: $0.0, shape: $0.1) }
  }

  /// Parameters from named tensors; the names and shapes must be exactly those of `layout(for:)`.
  public init(config: BlockConfig, tensors: [String: Tensor]) throws(ConfigError) {
    let layout = Parameters.layout(for: config)
    for (name, shape) in layout {
      guard let t = tensors[name] else { throw ConfigError(key: name, "parameter \(name) is missing") }
      guard t.shape == shape else {
        throw ConfigError(key: name, "parameter \(name) has shape \(t.shape), but the config needs \(shape)")
      }
      guard t.data.allSatisfy(\.isFinite) else { throw ConfigError(key: name, "parameter \(name) holds a NaN or infinity") }
    }
    if let extra = tensors.keys.sorted().first(where: { name in !layout.contains { $0.name == name } }) {
      throw ConfigError(key: extra, "unknown parameter \(extra) for this config")
    }
    self.names = layout.map(\.name)
    self.tensors = tensors
  }

  /// Parameters the caller knows to have the layout's names and shapes (values may be anything, even NaN).
  init(trusted config: BlockConfig, tensors: [String: Tensor]) {
    self.names = Parameters.layout(for: config).map(\.name)
    self.tensors = tensors
  }

  /// Seeded PyTorch-style initial values: Linear weight and bias uniform in ±1/√fan_in, embeddings standard normal.
  public init(initializedFor config: BlockConfig) {
    var rng = SeededGenerator(seed: config.seed)
    var tensors: [String: Tensor] = [:]
    let layout = Parameters.layout(for: config)
    for (name, shape) in layout {
      let count = Tensor.count(of: shape)
      if name.hasPrefix("embedding") || name.hasPrefix("position") {
        tensors[name] = Tensor(shape: shape, data: (0..<count).map { _ in rng.normal() })
      } else {
        // fan_in is the weight's second axis; a bias shares the fan_in of its layer's weight.
        let weight = name.replacingOccurrences(of: ".bias", with: ".weight")
        let fanIn = layout.first { $0.name == weight }!.shape[1]
        let bound = 1 / Double(fanIn).squareRoot()
        tensors[name] = Tensor(shape: shape, data: (0..<count).map { _ in rng.uniform(bound) })
      }
    }
    self.names = layout.map(\.name)
    self.tensors = tensors
  }

  /// The parameter with this name (nil for an unknown name).
  public subscript(name: String) -> Tensor? {
    get { tensors[name] }
    set {
      precondition(tensors[name] != nil && newValue?.shape == tensors[name]?.shape, "no parameter \(name) of that shape")
      tensors[name] = newValue
    }
  }

  /// Plain SGD: p ← p − lr·g for every parameter.
  public mutating func sgdStep(gradients: [String: Tensor], lr: Double) {
    for name in names {
      guard let g = gradients[name] else { continue }
      tensors[name]?.subtract(g, scaledBy: lr)
    }
  }

  /// The number of scalar parameters.
  public var count: Int { names.reduce(0) { $0 + tensors[$1]!.count } }
}

extension BlockConfig {
  /// The input ids: the given ones, or drawn from the seed.
  public var resolvedTokens: [Int] { tokens ?? drawnIDs(stream: 1) }
  /// The target ids: the given ones, or drawn from the seed.
  public var resolvedTargets: [Int] { targets ?? drawnIDs(stream: 2) }

  private func drawnIDs(stream: Int) -> [Int] {
    var rng = SeededGenerator(seed: seed &* 1_000_003 &+ stream)
    return (0..<seqLen).map { _ in Int(rng.next() % UInt64(vocabSize)) }
  }
}
