// Indexing: gathering rows (an embedding lookup), slicing and concatenating columns (attention heads).

extension Graph {
  /// Rows `indices` of the matrix `table`, stacked: an embedding lookup.
  public func gather(_ table: Var, indices: [Int]) -> Var {
    let nt = node(table)
    precondition(nt.shape.count == 2, "gather needs a matrix, got \(nt.shape)")
    let tableRows = nt.rows
    precondition(indices.allSatisfy { $0 >= 0 && $0 < tableRows }, "gather: index out of 0..<\(tableRows)")
    let (v, out) = record(.gather(table, indices: indices), rows: indices.count, cols: nt.cols)
    for (r, index) in indices.enumerated() { out.valueRow(r).update(from: nt.valueRow(index), count: nt.cols) }
    return v
  }

  // d gather: dtable[indices[r], :] += dy[r, :] (a row used twice gets both gradients)
  func gatherBackward(_ out: Node, _ table: Var, _ indices: [Int]) {
    let (nt, cols) = (node(table), out.cols)
    _ = gradForPartialContribution(nt)
    for (r, index) in indices.enumerated() {
      let (g, dy) = (nt.gradRow(index), out.gradRow(r))
      for c in 0..<cols { g[c] += dy[c] }
    }
  }

  /// Columns `start ..< start + count` of a matrix (one attention head of Q, K or V).
  public func sliceColumns(_ a: Var, start: Int, count width: Int) -> Var {
    let na = node(a)
    precondition(na.shape.count == 2 && start >= 0 && width >= 1 && start + width <= na.cols,
                 "slice_columns: \(start)..<\(start + width) outside \(na.shape)")
    let (v, out) = record(.sliceColumns(a, start: start), rows: na.rows, cols: width)
    for r in 0..<na.rows { out.valueRow(r).update(from: na.valueRow(r) + start, count: width) }
    return v
  }

  // d slice: da[:, start ..< start+w] += dy
  func sliceColumnsBackward(_ out: Node, _ a: Var, _ start: Int) {
    let na = node(a)
    _ = gradForPartialContribution(na)
    for r in 0..<out.rows {
      let (ga, dy) = (na.gradRow(r) + start, out.gradRow(r))
      for c in 0..<out.cols { ga[c] += dy[c] }
    }
  }

  /// Matrices with equal row counts placed side by side (the heads joined back into d_model columns).
  public func concatColumns(_ parts: [Var]) -> Var {
    precondition(!parts.isEmpty, "concat_columns needs at least one part")
    let rows = node(parts[0]).rows
    var cols = 0
    for part in parts {
      let np = node(part)
      precondition(np.shape.count == 2 && np.rows == rows, "concat_columns: row counts differ (\(np.shape))")
      cols += np.cols
    }
    let (v, out) = record(.concatColumns(parts), rows: rows, cols: cols)
    var offset = 0
    for part in parts {
      let np = node(part)
      for r in 0..<rows { (out.valueRow(r) + offset).update(from: np.valueRow(r), count: np.cols) }
      offset += np.cols
    }
    return v
  }

  // d concat: each part gets back its own columns of dy
  func concatColumnsBackward(_ out: Node, _ parts: [Var]) {
    var offset = 0
    for part in parts {
      let np = node(part)
      let add = beginContribution(np)
      for r in 0..<out.rows {
        let (g, dy) = (np.gradRow(r), out.gradRow(r) + offset)
        for c in 0..<np.cols { g[c] = add ? g[c] + dy[c] : dy[c] }
      }
      offset += np.cols
    }
  }
}
