import Foundation
import _CKernels

// The fused, numerically stable softmax and cross-entropy.

extension Graph {
  /// Softmax of each row of a matrix. With `causal`, entry [i,j] for j > i is treated as −∞: its probability
  /// is exactly 0 and no gradient flows to it. (The diagonal is never masked, so no row is empty.)
  public func softmax(_ a: Var, causal: Bool = false) -> Var {
    let na = node(a)
    precondition(na.shape.count == 2, "softmax needs a matrix, got \(na.shape)")
    let (v, out) = record(.softmax(a, causal: causal), like: na)
    let operands = LoopOperands(na.value.mutableBase, out: out.value.mutableBase, cols: na.cols, flag: causal)
    splitting(na.rows, work: na.value.count, operands) {
      let o = LoopOperands.of($0)
      for i in $1..<$2 {
        let (x, p, cols) = (o.a + i * o.cols, o.out + i * o.cols, o.cols)
        let valid = o.flag ? min(cols, i + 1) : cols  // flag: causal
        // p_j = exp(x_j − max x) / Σ_k exp(x_k − max x): subtracting the max keeps exp from overflowing.
        var peak = -Double.infinity
        for j in 0..<valid { peak = max(peak, x[j]) }
        let total = qkv_exp_sum(x, peak, p, valid)  // p_j = exp(x_j − max), vectorized; returns Σ p_j
        for j in 0..<valid { p[j] /= total }
        for j in valid..<cols { p[j] = 0 }
      }
    }
    return v
  }

  // d softmax: dx = p ⊙ (dy − Σ dy⊙p), row by row (masked entries have p = 0, so dx = 0 there)
  func softmaxBackward(_ out: Node, _ a: Var, _ causal: Bool) {
    let na = node(a)
    let (cols, add) = (out.cols, beginContribution(na))
    for i in 0..<out.rows {
      let (p, dy, dx) = (out.valueRow(i), out.gradRow(i), na.gradRow(i))
      let valid = causal ? min(cols, i + 1) : cols
      var dot = 0.0
      for j in 0..<valid { dot += dy[j] * p[j] }
      for j in 0..<valid { dx[j] = add ? dx[j] + p[j] * (dy[j] - dot) : p[j] * (dy[j] - dot) }
      if !add { for j in valid..<cols { dx[j] = 0 } }
    }
  }

  /// Mean cross-entropy of the rows of `logits` [T, V] against target classes (one per row), a scalar:
  /// (1/T)·Σ_i (log Σ_j exp(logits[i,j]) − logits[i, targets[i]]).
  public func crossEntropy(_ logits: Var, targets: [Int]) -> Var {
    let nl = node(logits)
    precondition(nl.shape.count == 2 && nl.rows == targets.count,
                 "cross_entropy: \(targets.count) targets for logits \(nl.shape)")
    let (rows, cols) = (nl.rows, nl.cols)
    precondition(targets.allSatisfy { $0 >= 0 && $0 < cols }, "cross_entropy: target out of 0..<\(cols)")
    let (v, out) = recordScalar(.crossEntropy(logits, targets: targets))
    let probs = out.saved(count: rows * cols).mutableBase  // softmax(logits), kept for backward
    var loss = 0.0
    for i in 0..<rows {
      let (x, p) = (nl.valueRow(i), probs + i * cols)
      var peak = -Double.infinity
      for j in 0..<cols { peak = max(peak, x[j]) }
      let total = qkv_exp_sum(x, peak, p, cols)
      for j in 0..<cols { p[j] /= total }
      // log-sum-exp: log Σ exp(x_j) = max + log Σ exp(x_j − max)
      loss += peak + log(total) - x[targets[i]]
    }
    out.value[0] = loss / Double(rows)
    return v
  }

  // d CE: dlogits[i,j] += dy·(softmax(logits)[i,j] − 1[j = target_i]) / T
  func crossEntropyBackward(_ out: Node, _ logits: Var, _ targets: [Int]) {
    let nl = node(logits)
    let (cols, add) = (nl.cols, beginContribution(nl))
    let dy = out.grad[0] / Double(nl.rows)
    for i in 0..<nl.rows {
      let (g, p) = (nl.gradRow(i), out.saved.mutableBase + i * cols)
      for j in 0..<cols { g[j] = add ? g[j] + dy * p[j] : dy * p[j] }
      g[targets[i]] -= dy
    }
  }
}
