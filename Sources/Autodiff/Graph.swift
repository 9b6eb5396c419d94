/// A handle to one value recorded on a `Graph`.
public struct Var: Hashable, Sendable {
  /// The position of the value on its graph's tape.
  public let id: Int
  /// A handle to position `id` (the tape checks it is recorded when it is used).
  public init(id: Int) { self.id = id }
}

/// A tape of recorded operations: the forward pass records, `backward` walks it in reverse.
///
/// Recording is cheap to repeat. `reset(to:)` rewinds the tape (keeping, say, the parameters recorded first) and
/// the next recording reuses each node's buffers when the shapes are unchanged, so a training loop allocates
/// nothing in the steady state. Every `backward` zeroes all gradients first: nothing leaks from one step into
/// the next.
public final class Graph {
  /// One recorded value: its operation, shape, numbers and gradient (and scratch an op may save for backward).
  final class Node {
    var op: Op
    var shape: [Int]
    var value: UnsafeMutableBufferPointer<Double>
    var grad: UnsafeMutableBufferPointer<Double>
    var saved: UnsafeMutableBufferPointer<Double>

    init(op: Op, shape: [Int]) {
      self.op = op
      self.shape = shape
      let count = Tensor.count(of: shape)
      value = .allocate(capacity: count)
      grad = .allocate(capacity: count)
      saved = .allocate(capacity: 0)
      value.initialize(repeating: 0)
      grad.initialize(repeating: 0)
    }

    func resize(_ newShape: [Int]) {
      shape = newShape
      let count = Tensor.count(of: newShape)
      guard count != value.count else { return }
      value.deallocate()
      grad.deallocate()
      value = .allocate(capacity: count)
      grad = .allocate(capacity: count)
      value.initialize(repeating: 0)
      grad.initialize(repeating: 0)
    }

    /// Scratch space for values the backward rule needs (softmax of the logits, say).
    func saved(count: Int) -> UnsafeMutableBufferPointer<Double> {
      if saved.count != count {
        saved.deallocate()
        saved = .allocate(capacity: count)
        saved.initialize(repeating: 0)
      }
      return saved
    }

    deinit {
      value.deallocate()
      grad.deallocate()
      saved.deallocate()
    }
  }

  var nodes: [Node] = []
  /// How many nodes the current recording uses.
  public private(set) var count = 0

  public init() {}

  /// Rewinds the tape to `mark` (default: empty); values recorded before the mark stay as they are.
  public func reset(to mark: Int = 0) {
    precondition(mark >= 0 && mark <= count, "reset mark \(mark) outside 0...\(count)")
    count = mark
  }

  /// Records a new node and returns it, reusing the buffers of an earlier recording at the same position.
  func record(_ op: Op, shape: [Int]) -> (Var, Node) {
    let node: Node
    if count < nodes.count {
      node = nodes[count]
      node.op = op
      if node.shape != shape { node.resize(shape) }
    } else {
      node = Node(op: op, shape: shape)
      nodes.append(node)
    }
    count += 1
    return (Var(id: count - 1), node)
  }

  func node(_ v: Var) -> Node {
    precondition(v.id < count, "value \(v.id) is not on the current recording")
    return nodes[v.id]
  }

  // MARK: Leaves

  /// Records a tensor as a leaf (an input or a parameter): its gradient is filled by `backward`.
  public func leaf(_ tensor: Tensor) -> Var {
    let (v, node) = record(.leaf, shape: tensor.shape)
    _ = tensor.data.withUnsafeBufferPointer { node.value.update(fromContentsOf: $0) }
    return v
  }

  // MARK: Reading and writing

  /// The shape of a recorded value.
  public func shape(_ v: Var) -> [Int] { node(v).shape }

  /// The value, as a tensor.
  public func value(_ v: Var) -> Tensor {
    let n = node(v)
    return Tensor(shape: n.shape, data: Array(n.value))
  }

  /// ∂output/∂value after the last `backward`, as a tensor.
  public func grad(_ v: Var) -> Tensor {
    let n = node(v)
    return Tensor(shape: n.shape, data: Array(n.grad))
  }

  /// The single number of a scalar value (a loss).
  public func scalar(_ v: Var) -> Double { node(v).value[0] }

  /// Overwrites a leaf's numbers in place (a parameter tweak); shapes must match.
  public func assign(_ v: Var, _ tensor: Tensor) {
    let n = node(v)
    precondition(n.shape == tensor.shape, "assign: shape \(tensor.shape) into \(n.shape)")
    _ = tensor.data.withUnsafeBufferPointer { n.value.update(fromContentsOf: $0) }
  }

  /// Plain SGD on leaves, in place: p ← p − lr·∂loss/∂p.
  public func sgdStep(_ parameters: [Var], lr: Double) {
    for p in parameters {
      let n = node(p)
      for i in 0..<n.value.count { n.value[i] -= lr * n.grad[i] }
    }
  }

  // MARK: Backward

  /// Back-propagates from a scalar: fills the gradient of every value recorded up to `output` with
  /// ∂output/∂value. Gradients are zeroed first, then each op, in reverse order, adds into its inputs'.
  public func backward(_ output: Var) {
    let out = node(output)
    precondition(out.value.count == 1, "backward needs a scalar, got shape \(out.shape)")
    for i in 0..<count { nodes[i].grad.update(repeating: 0) }
    out.grad[0] = 1
    for i in stride(from: output.id, through: 0, by: -1) {
      let n = nodes[i]
      backwardRule(n)
    }
  }
}
