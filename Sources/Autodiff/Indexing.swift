// Indexing: gathering rows (an embedding lookup), slicing and concatenating columns (attention heads).

extension Graph {
  /// Rows `indices` of the matrix `table`, stacked: an embedding lookup.
  public func gather(_ table: Var, indices: [Int]) -> Var {
    let st = shape(table)
    precondition(st.count == 2, "gather needs a matrix, got \(st)")
    precondition(indices.allSatisfy { (0..<st[0]).contains($0) }, "gather: index out of 0..<\(st[0])")
    let (v, out) = record(.gather(table, indices: indices), shape: [indices.count, st[1]])
    let (x, cols) = (node(table).value, st[1])
    for (r, index) in indices.enumerated() {
      for c in 0..<cols { out.value[r * cols + c] = x[index * cols + c] }
    }
    return v
  }

  // d gather: dtable[indices[r], :] += dy[r, :] (a row used twice gets both gradients)
  func gatherBackward(_ out: Node, _ table: Var, _ indices: [Int]) {
    let g = node(table).grad
    let cols = out.shape[1]
    for (r, index) in indices.enumerated() {
      for c in 0..<cols { g[index * cols + c] += out.grad[r * cols + c] }
    }
  }

  /// Columns `start ..< start + count` of a matrix (one attention head of Q, K or V).
  public func sliceColumns(_ a: Var, start: Int, count width: Int) -> Var {
    let sa = shape(a)
    precondition(sa.count == 2 && start >= 0 && width >= 1 && start + width <= sa[1],
                 "slice_columns: \(start)..<\(start + width) outside \(sa)")
    let (v, out) = record(.sliceColumns(a, start: start), shape: [sa[0], width])
    let x = node(a).value
    for r in 0..<sa[0] {
      for c in 0..<width { out.value[r * width + c] = x[r * sa[1] + start + c] }
    }
    return v
  }

  // d slice: da[:, start ..< start+w] += dy
  func sliceColumnsBackward(_ out: Node, _ a: Var, _ start: Int) {
    let na = node(a)
    let (rows, width, cols) = (out.shape[0], out.shape[1], na.shape[1])
    for r in 0..<rows {
      for c in 0..<width { na.grad[r * cols + start + c] += out.grad[r * width + c] }
    }
  }

  /// Matrices with equal row counts placed side by side (the heads joined back into d_model columns).
  public func concatColumns(_ parts: [Var]) -> Var {
    precondition(!parts.isEmpty, "concat_columns needs at least one part")
    let shapes = parts.map { shape($0) }
    let rows = shapes[0][0]
    precondition(shapes.allSatisfy { $0.count == 2 && $0[0] == rows }, "concat_columns: row counts differ \(shapes)")
    let cols = shapes.reduce(0) { $0 + $1[1] }
    let (v, out) = record(.concatColumns(parts), shape: [rows, cols])
    var offset = 0
    for (part, s) in zip(parts, shapes) {
      let x = node(part).value
      for r in 0..<rows {
        for c in 0..<s[1] { out.value[r * cols + offset + c] = x[r * s[1] + c] }
      }
      offset += s[1]
    }
    return v
  }

  // d concat: each part gets back its own columns of dy
  func concatColumnsBackward(_ out: Node, _ parts: [Var]) {
    let (rows, cols) = (out.shape[0], out.shape[1])
    var offset = 0
    for part in parts {
      let np = node(part)
      let width = np.shape[1]
      for r in 0..<rows {
        for c in 0..<width { np.grad[r * width + c] += out.grad[r * cols + offset + c] }
      }
      offset += width
    }
  }
}
