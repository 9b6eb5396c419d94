import Autodiff
import TinyTransformer

extension Tensor {
  /// Columns `start ..< start + count` of a matrix.
  func columns(_ start: Int, _ count: Int) -> Tensor {
    var data: [Double] = []
    data.reserveCapacity(rows * count)
    for i in 0..<rows { data += self.data[(i * cols + start) ..< (i * cols + start + count)] }
    return Tensor(shape: [rows, count], data: data)
  }

  /// The tensor as the screen shows it: a matrix (a vector becomes one column).
  var asMatrix: Tensor { shape.count == 2 ? self : Tensor(shape: [count, 1], data: data) }
}

extension AppState {
  /// The causal mask [T, T]: 0 where position i may look at j (j ≤ i), −∞ above the diagonal; all 0 when off.
  var mask: Tensor {
    let t = config.seqLen
    var mask = Tensor(zeros: [t, t])
    if config.causal {
      for i in 0..<t { for j in (i + 1)..<max(t, i + 1) { mask[i, j] = -.infinity } }
    }
    return mask
  }

  /// The tensor as a matrix for the selected head (or `head`): the numbers a heatmap shows. Nil for names the
  /// block does not have.
  func matrix(_ ref: TensorRef, head: Int? = nil) -> Tensor? {
    let h = min(max(head ?? selection.head, 0), config.heads - 1)
    let full: Tensor?
    switch (ref.name, ref.gradient) {
    case ("graph", _): return nil
    case ("mask", false): return mask
    case ("mask", true): return nil
    case ("masked", false):
      guard let scores = trace.activations["scores"]?.slice(h) else { return nil }
      var masked = scores
      for (i, m) in mask.data.enumerated() { masked.data[i] += m }
      return masked
    case ("masked", true): full = trace.activationGradients["scores"]
    case (let name, true): full = trace.gradients[name] ?? trace.activationGradients[name]
    case (let name, false): full = parameters[name] ?? trace.activations[name]
    }
    guard let full else { return nil }
    if full.shape.count == 3 { return full.slice(ref.perHead ? h : 0) }
    if ref.perHead && full.shape.count == 2 && full.cols == config.dModel {
      return full.columns(h * config.dK, config.dK)
    }
    return full.asMatrix
  }

  /// Rows and columns of a tensor as shown (the graph's rows are its ops).
  func dimensions(of ref: TensorRef) -> (rows: Int, columns: Int) {
    if ref == .graph { return (trace.tape.count, 1) }
    guard let m = matrix(ref) else { return (0, 0) }
    return (m.rows, m.cols)
  }

  /// The label of a token id: its word when the lesson has a vocabulary, else `#id`.
  func word(_ id: Int) -> String {
    if let vocabulary = lesson.vocabulary, vocabulary.indices.contains(id) { return vocabulary[id] }
    return "#\(id)"
  }
}
