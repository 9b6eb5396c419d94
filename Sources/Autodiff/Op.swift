/// Every operation the tape can record, with the inputs (and constants) its backward rule needs.
enum Op {
  case leaf
  case add(Var, Var)
  case sub(Var, Var)
  case mul(Var, Var)
  case scale(Var, Double)
  case addBias(Var, Var)
  case relu(Var)
  case matmul(Var, Var, transposeA: Bool, transposeB: Bool)
  case transpose(Var)
  case softmax(Var, causal: Bool)
  case crossEntropy(Var, targets: [Int])
  case gather(Var, indices: [Int])
  case sliceColumns(Var, start: Int)
  case concatColumns([Var])
  case sum(Var)
  case mean(Var)

  /// A short name for the op, as a computation-graph view lists it.
  var name: String {
    switch self {
    case .leaf: "leaf"
    case .add: "add"
    case .sub: "sub"
    case .mul: "mul"
    case .scale: "scale"
    case .addBias: "add_bias"
    case .relu: "relu"
    case .matmul: "matmul"
    case .transpose: "transpose"
    case .softmax: "softmax"
    case .crossEntropy: "cross_entropy"
    case .gather: "gather"
    case .sliceColumns: "slice_columns"
    case .concatColumns: "concat_columns"
    case .sum: "sum"
    case .mean: "mean"
    }
  }

  /// The values this op reads.
  var inputs: [Var] {
    var list: [Var] = []
    forEachInput { list.append($0) }
    return list
  }

  /// Calls `body` with each value this op reads, once per time it reads it (without building an array).
  @inline(__always)
  func forEachInput(_ body: (Var) -> Void) {
    switch self {
    case .leaf: break
    case .add(let a, let b), .sub(let a, let b), .mul(let a, let b), .addBias(let a, let b),
      .matmul(let a, let b, _, _):
      body(a)
      body(b)
    case .scale(let a, _), .relu(let a), .transpose(let a), .softmax(let a, _), .crossEntropy(let a, _),
      .gather(let a, _), .sliceColumns(let a, _), .sum(let a), .mean(let a):
      body(a)
    case .concatColumns(let parts): for part in parts { body(part) }
    }
  }
}

/// One line of the tape, for views that list the computation graph.
public struct TapeEntry: Sendable, Equatable {
  /// The recorded value.
  public let output: Var
  /// The op's name (`matmul`, `softmax`, …; `leaf` for inputs and parameters).
  public let op: String
  /// The values it read.
  public let inputs: [Var]
  /// The shape of the output.
  public let shape: [Int]
}

extension Graph {
  /// The recorded operations in forward order.
  public var tape: [TapeEntry] {
    (0..<count).map { i in
      let n = nodes[i]
      return TapeEntry(output: Var(id: i), op: n.op.name, inputs: n.op.inputs, shape: n.shape)
    }
  }

  /// Dispatches to the backward rule beside each op's forward.
  func backwardRule(_ n: Node) {
    switch n.op {
    case .leaf: break
    case .add(let a, let b): addBackward(n, a, b)
    case .sub(let a, let b): subBackward(n, a, b)
    case .mul(let a, let b): mulBackward(n, a, b)
    case .scale(let a, let c): scaleBackward(n, a, c)
    case .addBias(let a, let b): addBiasBackward(n, a, b)
    case .relu(let a): reluBackward(n, a)
    case .matmul(let a, let b, let ta, let tb): matmulBackward(n, a, b, ta, tb)
    case .transpose(let a): transposeBackward(n, a)
    case .softmax(let a, let causal): softmaxBackward(n, a, causal)
    case .crossEntropy(let a, let targets): crossEntropyBackward(n, a, targets)
    case .gather(let a, let indices): gatherBackward(n, a, indices)
    case .sliceColumns(let a, let start): sliceColumnsBackward(n, a, start)
    case .concatColumns(let parts): concatColumnsBackward(n, parts)
    case .sum(let a): sumBackward(n, a, 1)
    case .mean(let a): sumBackward(n, a, 1 / Double(node(a).value.count))
    }
  }
}
