/// The sizes and switches of one transformer block, with the keys of the JSON contract.
public struct BlockConfig: Equatable, Sendable {
  public var vocabSize = 8
  public var dModel = 16
  public var heads = 2
  public var dFF = 32
  public var seqLen = 8
  public var causal = true
  public var scale = true
  public var residual = true
  public var positional = true
  public var seed = 0
  /// SGD steps taken by `qkv export` and `qkv bench`.
  public var steps = 0
  public var lr = 0.1
  /// Input token ids; drawn from `seed` when nil.
  public var tokens: [Int]?
  /// Target token ids; drawn from `seed` when nil.
  public var targets: [Int]?

  /// The canonical lesson-size block.
  public init() {}

  /// The keys of the contract, in the order the export writes them.
  public static let keys = [
    "vocab_size", "d_model", "heads", "d_ff", "seq_len", "causal", "scale", "residual", "positional",
    "seed", "steps", "lr", "tokens", "targets",
  ]

  /// The width of one head, d_model / heads.
  public var dK: Int { dModel / heads }

  /// The most memory a block may need (parameters, activations and their gradients) before qkv refuses it.
  public static let memoryLimit = 2 << 30
}

/// Why a config was refused, in one line a user can act on; `key` names the offending key when there is one.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
  public let key: String?
  public let message: String
  public init(key: String? = nil, _ message: String) {
    self.key = key
    self.message = message
  }
  public var description: String { message }
}

// MARK: JSON

extension BlockConfig {
  /// Reads a config object: every key optional (defaults are the lesson-size block), unknown keys refused, then
  /// the whole validated.
  public init(json: JSON) throws(ConfigError) {
    guard case .object(let members) = json else { throw ConfigError("the config must be a JSON object, not \(json.kind)") }
    self.init()
    for (key, value) in members { try set(key, value) }
    try validate()
  }

  /// Sets one key from a JSON value, checking its type (not yet its relation to other keys).
  public mutating func set(_ key: String, _ value: JSON) throws(ConfigError) {
    func int() throws(ConfigError) -> Int {
      guard let n = value.integer else { throw ConfigError(key: key, "\(key) must be an integer, not \(describe(value))") }
      return n
    }
    func bool() throws(ConfigError) -> Bool {
      guard case .bool(let b) = value else { throw ConfigError(key: key, "\(key) must be true or false, not \(describe(value))") }
      return b
    }
    func ids() throws(ConfigError) -> [Int]? {
      if value == .null { return nil }
      guard let items = value.array else { throw ConfigError(key: key, "\(key) must be a list of token ids, not \(describe(value))") }
      var out: [Int] = []
      for item in items {
        guard let n = item.integer else { throw ConfigError(key: key, "\(key) must hold integer token ids, found \(describe(item))") }
        out.append(n)
      }
      return out
    }
    switch key {
    case "vocab_size": vocabSize = try int()
    case "d_model": dModel = try int()
    case "heads": heads = try int()
    case "d_ff": dFF = try int()
    case "seq_len": seqLen = try int()
    case "causal": causal = try bool()
    case "scale": scale = try bool()
    case "residual": residual = try bool()
    case "positional": positional = try bool()
    case "seed": seed = try int()
    case "steps": steps = try int()
    case "lr":
      guard let x = value.number else { throw ConfigError(key: key, "lr must be a number, not \(describe(value))") }
      lr = x
    case "tokens": tokens = try ids()
    case "targets": targets = try ids()
    default:
      let known = BlockConfig.keys.joined(separator: ", ")
      throw ConfigError(key: key, "unknown config key \"\(key)\" (known keys: \(known))")
    }
  }

  /// Checks the relations between keys and the sizes; the first problem is thrown.
  public func validate() throws(ConfigError) {
    for (key, value) in [("vocab_size", vocabSize), ("d_model", dModel), ("heads", heads), ("d_ff", dFF), ("seq_len", seqLen)]
    where value < 1 {
      throw ConfigError(key: key, "\(key) must be at least 1, got \(value)")
    }
    if dModel % heads != 0 {
      throw ConfigError(key: "heads", "heads (\(heads)) must divide d_model (\(dModel)) evenly")
    }
    if steps < 0 { throw ConfigError(key: "steps", "steps must be 0 or more, got \(steps)") }
    if !lr.isFinite || lr < 0 { throw ConfigError(key: "lr", "lr must be a finite number ≥ 0, got \(lr)") }
    guard let bytes = memoryNeeded else {
      throw ConfigError("these sizes are too large: the block would not fit in memory")
    }
    if bytes > BlockConfig.memoryLimit {
      let gib = Double(bytes) / Double(1 << 30)
      let shown = gib >= 1000 ? "more than 1000" : String(Int(gib.rounded(.up)))
      throw ConfigError("these sizes need about \(shown) GiB, more than the \(BlockConfig.memoryLimit >> 30) GiB qkv allows")
    }
    for (key, list) in [("tokens", tokens), ("targets", targets)] {
      guard let list else { continue }
      if list.count != seqLen {
        throw ConfigError(key: key, "\(key) has \(list.count) ids but seq_len is \(seqLen)")
      }
      if let bad = list.firstIndex(where: { !(0..<vocabSize).contains($0) }) {
        throw ConfigError(key: key, "\(key)[\(bad)] = \(list[bad]) is out of range 0..<\(vocabSize) (vocab_size)")
      }
    }
  }

  /// Bytes the block needs for its parameters, activations and their gradients (with SGD and graph overhead),
  /// or nil when the arithmetic overflows.
  public var memoryNeeded: Int? {
    func mul(_ xs: Int...) -> Int? {
      var p = 1
      for x in xs {
        let (r, o) = p.multipliedReportingOverflow(by: x)
        if o { return nil }
        p = r
      }
      return p
    }
    func add(_ xs: Int?...) -> Int? {
      var s = 0
      for x in xs {
        guard let x else { return nil }
        let (r, o) = s.addingReportingOverflow(x)
        if o { return nil }
        s = r
      }
      return s
    }
    let (v, d, f, t, h) = (vocabSize, dModel, dFF, seqLen, heads)
    // Parameters: kept with their gradient, an initial copy and a trained copy.
    let parameters = add(mul(2, v, d), mul(t, d), mul(4, d, d), mul(2, d, f), mul(8, d), f, v)
    // Activations: about twenty [T,d] values, six per head [T,T], a few [T,d_ff] and [T,V].
    let activations = add(mul(20, t, d), mul(6, h, t, t), mul(4, t, f), mul(4, t, v))
    guard let p = parameters, let a = activations, let doubles = add(mul(4, p), mul(2, a)) else { return nil }
    return mul(8, doubles)
  }

  /// The config as a JSON object with every key filled in (`tokens` and `targets` as given).
  public func json(tokens: [Int], targets: [Int]) -> JSON {
    .object([
      ("vocab_size", .number(Double(vocabSize))), ("d_model", .number(Double(dModel))),
      ("heads", .number(Double(heads))), ("d_ff", .number(Double(dFF))), ("seq_len", .number(Double(seqLen))),
      ("causal", .bool(causal)), ("scale", .bool(scale)), ("residual", .bool(residual)),
      ("positional", .bool(positional)), ("seed", .number(Double(seed))), ("steps", .number(Double(steps))),
      ("lr", .number(lr)), ("tokens", .array(tokens.map { .number(Double($0)) })),
      ("targets", .array(targets.map { .number(Double($0)) })),
    ])
  }
}

private func describe(_ value: JSON) -> String {
  switch value {
  case .number(let x): JSON.format(x)
  case .bool(let b): b ? "true" : "false"
  case .string(let s): "\"\(s)\""
  default: value.kind
  }
}
