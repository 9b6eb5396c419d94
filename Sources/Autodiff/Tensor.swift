import _CKernels

/// A dense, row-major array of `Double` with a shape: the only data type of the engine.
///
/// A tensor is a value: copying one copies its numbers (lazily, as Swift arrays do). Shape `[]` is a scalar.
public struct Tensor: Equatable, Sendable {
  /// The size of each axis, outermost first.
  public var shape: [Int]
  /// The numbers, row-major; `data.count == shape.product`.
  public var data: [Double]

  /// A tensor with the given shape and numbers; the count must match the shape.
  public init(shape: [Int], data: [Double]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative size in shape \(shape)")
    precondition(Tensor.count(of: shape) == data.count, "shape \(shape) needs \(Tensor.count(of: shape)) numbers, got \(data.count)")
    self.shape = shape
    self.data = data
  }

  /// A tensor of zeros.
  public init(zeros shape: [Int]) {
    self.init(shape: shape, data: [Double](repeating: 0, count: Tensor.count(of: shape)))
  }

  /// A scalar.
  public init(scalar: Double) {
    self.init(shape: [], data: [scalar])
  }

  /// A matrix from its rows (all of one length).
  public init(rows: [[Double]]) {
    let cols = rows.first?.count ?? 0
    precondition(rows.allSatisfy { $0.count == cols }, "ragged rows")
    self.init(shape: [rows.count, cols], data: rows.flatMap { $0 })
  }

  /// The number of entries a shape holds.
  public static func count(of shape: [Int]) -> Int { shape.reduce(1, *) }

  /// The number of entries.
  public var count: Int { data.count }
  /// Rows of a matrix (the first axis; 1 for a vector or scalar).
  public var rows: Int { shape.count >= 2 ? shape[0] : 1 }
  /// Columns of a matrix (the last axis; 1 for a scalar).
  public var cols: Int { shape.last ?? 1 }
  /// The single number of a scalar (or one-entry) tensor.
  public var scalar: Double { data[0] }

  /// Entry `[i, j]` of a matrix.
  public subscript(i: Int, j: Int) -> Double {
    get { data[i * cols + j] }
    set { data[i * cols + j] = newValue }
  }

  /// Row `i` of a matrix, as an array.
  public func row(_ i: Int) -> [Double] { Array(data[i * cols ..< (i + 1) * cols]) }

  /// The matrices along the first axis of a 3-D tensor (e.g. one per head).
  public func slice(_ index: Int) -> Tensor {
    precondition(shape.count == 3, "slice needs a 3-D tensor")
    let size = shape[1] * shape[2]
    return Tensor(shape: [shape[1], shape[2]], data: Array(data[index * size ..< (index + 1) * size]))
  }

  /// Stacks equally shaped tensors along a new first axis.
  public static func stack(_ parts: [Tensor]) -> Tensor {
    let inner = parts.first?.shape ?? [0]
    precondition(parts.allSatisfy { $0.shape == inner }, "stack needs equal shapes")
    return Tensor(shape: [parts.count] + inner, data: parts.flatMap(\.data))
  }

  /// Plain SGD on one tensor, in place: self ← self − lr·gradient (the same kernel as `Graph.sgdStep`).
  public mutating func subtract(_ gradient: Tensor, scaledBy lr: Double) {
    precondition(gradient.shape == shape, "SGD: gradient shape \(gradient.shape) for \(shape)")
    let n = count
    gradient.data.withUnsafeBufferPointer { g in
      data.withUnsafeMutableBufferPointer { p in qkv_axpy(n, -lr, g.baseAddress, p.baseAddress) }
    }
  }

  /// The tensor with every entry transformed.
  public func map(_ transform: (Double) -> Double) -> Tensor {
    Tensor(shape: shape, data: data.map(transform))
  }
}
