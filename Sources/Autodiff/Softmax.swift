import Foundation

// The fused, numerically stable softmax and cross-entropy.

extension Graph {
  /// Softmax of each row of a matrix. With `causal`, entry [i,j] for j > i is treated as −∞: its probability
  /// is exactly 0 and no gradient flows to it. (The diagonal is never masked, so no row is empty.)
  public func softmax(_ a: Var, causal: Bool = false) -> Var {
    let sa = shape(a)
    precondition(sa.count == 2, "softmax needs a matrix, got \(sa)")
    let (v, out) = record(.softmax(a, causal: causal), shape: sa)
    let (rows, cols) = (sa[0], sa[1])
    let x = node(a).value
    for i in 0..<rows {
      let row = i * cols
      let valid = causal ? min(cols, i + 1) : cols
      // p_j = exp(x_j − max x) / Σ_k exp(x_k − max x): subtracting the max keeps exp from overflowing.
      var peak = -Double.infinity
      for j in 0..<valid { peak = max(peak, x[row + j]) }
      var total = 0.0
      for j in 0..<valid {
        let e = exp(x[row + j] - peak)
        out.value[row + j] = e
        total += e
      }
      for j in 0..<valid { out.value[row + j] /= total }
      for j in valid..<cols { out.value[row + j] = 0 }
    }
    return v
  }

  // d softmax: dx = p ⊙ (dy − Σ dy⊙p), row by row (masked entries have p = 0, so dx = 0 there)
  func softmaxBackward(_ out: Node, _ a: Var) {
    let ga = node(a).grad
    let (rows, cols) = (out.shape[0], out.shape[1])
    let (p, dy) = (out.value, out.grad)
    for i in 0..<rows {
      let row = i * cols
      var dot = 0.0
      for j in 0..<cols { dot += dy[row + j] * p[row + j] }
      for j in 0..<cols { ga[row + j] += p[row + j] * (dy[row + j] - dot) }
    }
  }

  /// Mean cross-entropy of the rows of `logits` [T, V] against target classes (one per row), a scalar:
  /// (1/T)·Σ_i (log Σ_j exp(logits[i,j]) − logits[i, targets[i]]).
  public func crossEntropy(_ logits: Var, targets: [Int]) -> Var {
    let sl = shape(logits)
    precondition(sl.count == 2 && sl[0] == targets.count, "cross_entropy: \(targets.count) targets for logits \(sl)")
    let (rows, cols) = (sl[0], sl[1])
    precondition(targets.allSatisfy { (0..<cols).contains($0) }, "cross_entropy: target out of 0..<\(cols)")
    let (v, out) = record(.crossEntropy(logits, targets: targets), shape: [])
    let x = node(logits).value
    let probs = out.saved(count: rows * cols)  // softmax(logits), kept for backward
    var loss = 0.0
    for i in 0..<rows {
      let row = i * cols
      var peak = -Double.infinity
      for j in 0..<cols { peak = max(peak, x[row + j]) }
      var total = 0.0
      for j in 0..<cols {
        let e = exp(x[row + j] - peak)
        probs[row + j] = e
        total += e
      }
      for j in 0..<cols { probs[row + j] /= total }
      // log-sum-exp: log Σ exp(x_j) = max + log Σ exp(x_j − max)
      loss += peak + log(total) - x[row + targets[i]]
    }
    out.value[0] = loss / Double(rows)
    return v
  }

  // d CE: dlogits[i,j] += dy·(softmax(logits)[i,j] − 1[j = target_i]) / T
  func crossEntropyBackward(_ out: Node, _ logits: Var, _ targets: [Int]) {
    let g = node(logits).grad
    let (rows, cols) = (targets.count, out.saved.count / max(targets.count, 1))
    let dy = out.grad[0] / Double(rows)
    for i in 0..<rows {
      for j in 0..<cols { g[i * cols + j] += dy * out.saved[i * cols + j] }
      g[i * cols + targets[i]] -= dy
    }
  }
}
