import _CKernels

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
/// nothing in the steady state. Every `backward` starts every gradient afresh: nothing leaks from one step into
/// the next.
public final class Graph {
  /// One recorded value: its operation, shape, numbers and gradient (and scratch an op may save for backward).
  ///
  /// The buffers only grow: a node re-recorded with the same or a smaller shape keeps them, and the shape array
  /// is replaced only when it changes, so a steady training loop allocates nothing.
  ///
  /// A graph is used from one thread at a time, so its hot fields opt out of the runtime's exclusivity checks
  /// (`@exclusivity(unchecked)`): at lesson size they cost about 8% of a training step.
  final class Node {
    @exclusivity(unchecked) var op: Op
    /// The shape as the public API reports it ([-1] matches no real shape, so the first `setShape` allocates).
    @exclusivity(unchecked) private(set) var shape: [Int] = [-1]
    /// The shape as a matrix: the last axis is `cols`, the others fold into `rows` (a scalar is 1×1).
    @exclusivity(unchecked) private(set) var rows = 1
    @exclusivity(unchecked) private(set) var cols = 1
    /// The numbers, `rows·cols` of them, row-major.
    @exclusivity(unchecked) private(set) var value = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
    /// ∂output/∂value after `backward`: the node's own buffer, or the gradient of the single op that reads the
    /// node when that op passes its gradient through unchanged (see `passGradient`).
    @exclusivity(unchecked) private(set) var grad = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
    /// The node's own gradient buffer.
    @exclusivity(unchecked) private var ownGrad = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
    /// How many times the ops up to the output of the backward pass under way read this value.
    @exclusivity(unchecked) var uses = 0
    @exclusivity(unchecked) private(set) var saved = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
    @exclusivity(unchecked) private var storage = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
    @exclusivity(unchecked) private var savedStorage = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
    /// Whether `grad` holds a contribution of the backward pass under way (until then its numbers are stale).
    @exclusivity(unchecked) var hasGradient = false
    /// Whether a product queued for the helper thread adds to `grad` (see `gemmLater`): wait before touching it.
    @exclusivity(unchecked) var hasDeferredContribution = false

    init(op: Op) { self.op = op }

    /// Row `r` of the value (row-major, `cols` entries): loops over a row pointer need no index arithmetic, so
    /// they have no overflow checks and vectorize.
    func valueRow(_ r: Int) -> UnsafeMutablePointer<Double> { value.mutableBase + r * cols }

    /// Row `r` of the gradient.
    func gradRow(_ r: Int) -> UnsafeMutablePointer<Double> { grad.mutableBase + r * cols }

    /// Gives the node a new shape (a no-op when it is unchanged), growing its buffers if they are too small.
    func setShape(_ newShape: [Int]) {
      guard newShape != shape else { return }
      shape = newShape
      let count = Tensor.count(of: newShape)
      cols = newShape.last ?? 1
      rows = cols == 0 ? 0 : count / cols
      if storage.count < 2 * count {
        storage.deallocate()
        storage = .allocate(capacity: 2 * count)
        storage.initialize(repeating: 0)
      }
      value = UnsafeMutableBufferPointer(rebasing: storage[0 ..< count])
      ownGrad = UnsafeMutableBufferPointer(rebasing: storage[count ..< 2 * count])
      grad = ownGrad
    }

    /// Makes `grad` show `other`'s gradient (same shape) instead of a copy of it.
    func shareGradient(of other: Node) { grad = other.grad }

    /// Starts a backward pass: no contribution yet, no uses counted, the own gradient buffer back in place.
    func prepareForBackward() {
      hasGradient = false
      uses = 0
      grad = ownGrad
    }

    /// The shape [rows, cols], compared without building an array unless it changed.
    func setMatrix(_ newRows: Int, _ newCols: Int) {
      if shape.count == 2 && shape[0] == newRows && shape[1] == newCols { return }
      setShape([newRows, newCols])
    }

    /// Scratch space for values the backward rule needs (softmax of the logits, say).
    func saved(count: Int) -> UnsafeMutableBufferPointer<Double> {
      if savedStorage.count < count {
        savedStorage.deallocate()
        savedStorage = .allocate(capacity: count)
        savedStorage.initialize(repeating: 0)
      }
      if saved.count != count { saved = UnsafeMutableBufferPointer(rebasing: savedStorage[0 ..< count]) }
      return saved
    }

    deinit {
      storage.deallocate()
      savedStorage.deallocate()
    }
  }

  @exclusivity(unchecked) var nodes: [Node] = []
  /// How many nodes the current recording uses.
  @exclusivity(unchecked) public private(set) var count = 0
  /// Packing space for matrix products (see Gemm.swift).
  let gemmWorkspace = GemmWorkspace()
  /// Whether backward passes hand leaves' gradient products to the helper thread (tests compare both ways).
  var defersLeafGradients = true
  /// This backward pass asked for the helper thread (`triedHelper`) and got it (`hasHelper`).
  @exclusivity(unchecked) var triedHelper = false, hasHelper = false
  /// The nodes with products queued for the helper, and workspace enough for any of those products.
  @exclusivity(unchecked) var deferredTargets: [Node] = []
  @exclusivity(unchecked) var deferredWorkspace = 0
  /// How many products this graph has handed to the helper thread so far (tests check the path is taken).
  @exclusivity(unchecked) var deferredProducts = 0

  public init() {}

  /// Rewinds the tape to `mark` (default: empty); values recorded before the mark stay as they are.
  public func reset(to mark: Int = 0) {
    precondition(mark >= 0 && mark <= count, "reset mark \(mark) outside 0...\(count)")
    // Let go of the rewound ops' arrays (concat parts, indices) so a caller refilling its own array in place
    // holds the only reference and does not have to copy it.
    for i in mark..<count { nodes[i].op = .leaf }
    count = mark
  }

  /// Records a new node for `op` and returns it, reusing the node (and buffers) of an earlier recording at the
  /// same position; the caller gives it its shape.
  private func record(_ op: Op) -> (Var, Node) {
    let node: Node
    if count < nodes.count {
      node = nodes[count]
      node.op = op
    } else {
      node = Node(op: op)
      nodes.append(node)
    }
    count += 1
    return (Var(id: count - 1), node)
  }

  /// Records a node of shape [rows, cols].
  func record(_ op: Op, rows: Int, cols: Int) -> (Var, Node) {
    let (v, node) = record(op)
    node.setMatrix(rows, cols)
    return (v, node)
  }

  /// Records a node shaped like `other`.
  func record(_ op: Op, like other: Node) -> (Var, Node) {
    let (v, node) = record(op)
    node.setShape(other.shape)
    return (v, node)
  }

  /// Records a scalar node.
  func recordScalar(_ op: Op) -> (Var, Node) {
    let (v, node) = record(op)
    node.setShape([])
    return (v, node)
  }

  func node(_ v: Var) -> Node {
    precondition(v.id < count, "value \(v.id) is not on the current recording")
    return nodes[v.id]
  }

  // MARK: Leaves

  /// Records a tensor as a leaf (an input or a parameter): its gradient is filled by `backward`.
  public func leaf(_ tensor: Tensor) -> Var {
    let (v, node) = record(.leaf)
    node.setShape(tensor.shape)
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
      let count = n.value.count
      splitting(count, work: count, LoopOperands(n.grad.mutableBase, out: n.value.mutableBase, number: -lr)) {
        let o = LoopOperands.of($0)
        qkv_axpy($2 - $1, o.number, o.a + $1, o.out + $1)  // vectorized value += −lr·grad
      }
    }
  }

  // MARK: Backward

  /// Back-propagates from a scalar: fills the gradient of every value recorded up to `output` with
  /// ∂output/∂value (and zeroes the rest). Each op, in reverse order, contributes to its inputs' gradients.
  ///
  /// Gradients are not zeroed up front: the first contribution to a gradient in a pass writes it and later ones
  /// add (`beginContribution`), which saves a pass over every gradient. A value nothing contributed to — one the
  /// output does not depend on — has gradient 0: its rule is skipped and its gradient zeroed at the end.
  public func backward(_ output: Var) {
    let out = node(output)
    precondition(out.value.count == 1, "backward needs a scalar, got shape \(out.shape)")
    for i in 0..<count { nodes[i].prepareForBackward() }
    for i in 0...output.id { nodes[i].op.forEachInput { nodes[$0.id].uses += 1 } }
    out.grad[0] = 1
    out.hasGradient = true
    for i in stride(from: output.id, through: 0, by: -1) where nodes[i].hasGradient { backwardRule(nodes[i]) }
    finishDeferred(release: true)
    for i in 0..<count where !nodes[i].hasGradient { nodes[i].grad.update(repeating: 0) }
  }

  /// Readies `n`'s gradient for a contribution that covers every entry: `true` means add to what is there, `false`
  /// means this is the pass's first contribution, so write over the stale numbers instead.
  func beginContribution(_ n: Node) -> Bool {
    if n.hasDeferredContribution { finishDeferred(release: false) }  // contributions land in order
    defer { n.hasGradient = true }
    return n.hasGradient
  }

  /// Contributes `out`'s gradient unchanged to `input` (the rule of an op whose derivative is the identity): when
  /// `out`'s op is the only reader of `input`, the two gradients are equal, so `input` shows `out`'s numbers
  /// instead of copying them (no other contribution can follow, and nothing writes `out`'s gradient any more).
  func passGradient(to input: Node, _ out: Node) {
    if input.uses == 1 && !input.hasGradient && !input.hasDeferredContribution {
      input.shareGradient(of: out)
      input.hasGradient = true
    } else {
      contribute(to: input, out) { dy, _ in dy }
    }
  }

  /// `n`'s gradient, zeroed if this is the pass's first contribution: for rules that add into only some entries.
  func gradForPartialContribution(_ n: Node) -> UnsafeMutableBufferPointer<Double> {
    if !beginContribution(n) { n.grad.update(repeating: 0) }
    return n.grad
  }
}
