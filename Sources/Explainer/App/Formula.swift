import Foundation
import TinyTransformer

/// How the selected entry came about: the formula with the numbers plugged in, and the entries it was computed
/// from (highlighted on screen).
struct Explanation {
  /// E.g. `Q[2,3] = x[2,:]·Wq[3,:] + bq[3] = (0.31·-0.20 + 1.20·0.05 + … 16 terms) + 0.05 = 0.0712`.
  var formula: String?
  /// The value the formula computes (equal to the entry, up to rounding).
  var value: Double?
  /// The entries it reads: flat indices into the matrices those tensors show.
  var sources: [TensorRef: Set<Int>] = [:]

  mutating func mark(_ ref: TensorRef, _ indices: some Sequence<Int>) { sources[ref, default: []].formUnion(indices) }
}

extension AppState {
  /// The explanation of the selected entry.
  func explanation() -> Explanation {
    let ref = selection.tensor
    let (i, j, h) = (selection.row, selection.column, selection.head)
    var out = Explanation()
    if ref == .graph { return out }
    if ref.gradient {
      // A gradient and the value it belongs to are shown together: mark the value's entry.
      if let m = matrix(ref.valueRef) { out.mark(ref.valueRef, [i * m.cols + j]) }
      if let g = matrix(ref)?[i, j] {
        let name = ref.name + index(ref.valueRef, i, j)
        out.formula = "∂loss/∂\(name) = \(Format.number(g)): the loss changes by about \(Format.number(g))·Δ when \(name) changes by Δ"
      }
      return out
    }
    if isParameter(ref.name) {
      if let m = matrix(ref.gradientRef) { out.mark(ref.gradientRef, [i * m.cols + j]) }
      markUses(of: ref.name, i, j, in: &out)
      return out
    }
    let a = trace.activations
    guard let x = a["x"], let q = a["Q"], let k = a["K"], let v = a["V"], let probs = a["probs"],
          let attention = a["attention"], let h1 = a["h1"], let ffnPre = a["ffn_pre"],
          let ffnHidden = a["ffn_hidden"], let y = a["y"] else { return out }
    let dk = config.dK

    switch ref.name {
    case "embedded":
      let token = tokens[i]
      out.value = parameters["embedding.weight"]?[token, j]
      out.formula = "embedded[\(i),\(j)] = E[\(token),\(j)] = \(Format.number(out.value ?? .nan))   (row \(token): \(word(token)))"
      out.mark(TensorRef("embedding.weight"), [token * config.dModel + j])
    case "x":
      let token = tokens[i]
      let e = parameters["embedding.weight"]?[token, j] ?? .nan
      out.mark(TensorRef("embedding.weight"), [token * config.dModel + j])
      out.mark(TensorRef("embedded"), [i * config.dModel + j])
      if config.positional, let p = parameters["position.weight"]?[i, j] {
        out.value = e + p
        out.formula = "x[\(i),\(j)] = E[\(token),\(j)] + P[\(i),\(j)] = \(Format.term(e)) + \(Format.term(p)) = \(Format.number(e + p))"
        out.mark(TensorRef("position.weight"), [i * config.dModel + j])
      } else {
        out.value = e
        out.formula = "x[\(i),\(j)] = E[\(token),\(j)] = \(Format.number(e))   (no position embedding)"
      }
    case "Q", "K", "V":
      let layer = ["Q": "q_linear", "K": "k_linear", "V": "v_linear"][ref.name] ?? ""
      let column = ref.perHead ? h * dk + j : j
      let shown = ref.perHead ? "\(ref.name)[h\(h)][\(i),\(j)] = \(ref.name)[\(i),\(column)] = " : ""
      out = linear(ref.name, input: ("x", x), layer: layer, i, column, prefix: shown)
    case "masked" where config.causal && j > i:
      out.value = -.infinity
      out.formula = "masked[h\(h)][\(i),\(j)] = scores[\(i),\(j)] + mask[\(i),\(j)] = −∞: position \(j) comes after \(i), so \(i) may not look at it"
      out.mark(TensorRef("scores", perHead: true), [i * config.seqLen + j])
      out.mark(TensorRef("mask"), [i * config.seqLen + j])
    case "scores", "masked":
      let scale = config.scale ? 1 / Double(dk).squareRoot() : 1
      let qRow = (0..<dk).map { q[i, h * dk + $0] }
      let kRow = (0..<dk).map { k[j, h * dk + $0] }
      let dot = zip(qRow, kRow).reduce(0) { $0 + $1.0 * $1.1 }
      out.value = dot * scale
      let divide = config.scale ? "/√\(dk)" : ""
      let divided = config.scale ? "/\(Format.number(Double(dk).squareRoot()))" : ""
      out.formula = "scores[h\(h)][\(i),\(j)] = Q[h\(h)][\(i),:]·K[h\(h)][\(j),:]\(divide) = "
        + "(\(dotTerms(qRow, kRow)))\(divided) = \(Format.number(dot * scale))"
      if ref.name == "masked" { out.formula = "masked = scores + 0 here; " + (out.formula ?? "") }
      out.mark(TensorRef("Q", perHead: true), (0..<dk).map { i * dk + $0 })
      out.mark(TensorRef("K", perHead: true), (0..<dk).map { j * dk + $0 })
      out.mark(TensorRef("scores", perHead: true), [i * config.seqLen + j])
      out.mark(TensorRef("mask"), [i * config.seqLen + j])
    case "mask":
      let hidden = config.causal && j > i
      out.value = hidden ? -.infinity : 0
      out.formula = hidden ? "mask[\(i),\(j)] = −∞: position \(j) comes after position \(i) (the future is hidden)"
        : config.causal ? "mask[\(i),\(j)] = 0: position \(i) may look at position \(j) ≤ \(i)"
        : "mask[\(i),\(j)] = 0: the causal mask is off (c turns it on), every position sees every other"
    case "probs":
      let p = probs.slice(h)
      let visible = config.causal ? i + 1 : config.seqLen
      let masked = matrix(TensorRef("masked", perHead: true), head: h)
      let row = (0..<config.seqLen).map { masked?[i, $0] ?? .nan }
      let scoresShown = config.causal ? "masked" : "scores"
      out.mark(TensorRef(scoresShown, perHead: true), (0..<config.seqLen).map { i * config.seqLen + $0 })
      if j >= visible {
        out.value = 0
        out.formula = "probs[h\(h)][\(i),\(j)] = exp(−∞)/… = 0: position \(j) is masked for position \(i)"
      } else {
        let peak = row[..<visible].max() ?? 0
        let total = row[..<visible].reduce(0) { $0 + exp($1 - peak) }
        out.value = exp(row[j] - peak) / total
        out.formula = "probs[h\(h)][\(i),\(j)] = exp(s[\(i),\(j)] − max)/Σₖ exp(s[\(i),k] − max) = exp(\(Format.term(row[j])) − "
          + "\(Format.term(peak)))/\(Format.number(total)) = \(Format.number(out.value ?? .nan))   (row sum \(Format.number(p.row(i).reduce(0, +))))"
      }
    case "attention":
      let (hh, jj) = ref.perHead ? (h, j) : (j / dk, j % dk)
      let pRow = probs.slice(hh).row(i)
      let vColumn = (0..<config.seqLen).map { v[$0, hh * dk + jj] }
      out.value = zip(pRow, vColumn).reduce(0) { $0 + $1.0 * $1.1 }
      let alias = ref.perHead ? "" : "attention[h\(hh)][\(i),\(jj)] = "
      out.formula = "attention\(ref.perHead ? "[h\(h)]" : "")[\(i),\(j)] = \(alias)probs[h\(hh)][\(i),:]·V[h\(hh)][:,\(jj)] = "
        + "\(dotTerms(pRow, vColumn)) = \(Format.number(out.value ?? .nan))"
      out.mark(TensorRef("probs", perHead: true), (0..<config.seqLen).map { i * config.seqLen + $0 })
      out.mark(TensorRef("V", perHead: true), (0..<config.seqLen).map { $0 * dk + jj })
    case "attn_out": out = linear("attn_out", input: ("attention", attention), layer: "o_linear", i, j)
    case "h1":
      out = sum("h1", config.residual ? [("x", x), ("attn_out", a["attn_out"])] : [("attn_out", a["attn_out"])], i, j)
    case "ffn_pre": out = linear("ffn_pre", input: ("h1", h1), layer: "ffn1", i, j)
    case "ffn_hidden":
      let pre = ffnPre[i, j]
      out.value = max(0, pre)
      out.formula = "ffn_hidden[\(i),\(j)] = relu(ffn_pre[\(i),\(j)]) = max(0, \(Format.term(pre))) = \(Format.number(max(0, pre)))"
        + (pre <= 0 ? "   (ReLU is off here: no gradient flows back through this entry)" : "")
      out.mark(TensorRef("ffn_pre"), [i * config.dFF + j])
    case "ffn_out": out = linear("ffn_out", input: ("ffn_hidden", ffnHidden), layer: "ffn2", i, j)
    case "y":
      out = sum("y", config.residual ? [("h1", h1), ("ffn_out", a["ffn_out"])] : [("ffn_out", a["ffn_out"])], i, j)
    case "logits":
      out = linear("logits", input: ("y", y), layer: "output", i, j)
      out.formula = (out.formula ?? "") + (trace.targets[i] == j ? "   (the target)" : "")
    default: break
    }
    return out
  }

  /// The entries a parameter entry feeds directly: a Linear weight [j,k] or bias [j] feeds column j of the layer's
  /// output; an embedding row feeds the rows of its token, a position row its position.
  func markUses(of parameter: String, _ i: Int, _ j: Int, in out: inout Explanation) {
    let (t, d) = (config.seqLen, config.dModel)
    switch parameter {
    case "embedding.weight":
      let rows = tokens.indices.filter { tokens[$0] == i }
      out.mark(TensorRef("embedded"), rows.map { $0 * d + j })
      out.mark(TensorRef("x"), rows.map { $0 * d + j })
    case "position.weight":
      out.mark(TensorRef("x"), [i * d + j])
    default:
      let outputs = ["q_linear": "Q", "k_linear": "K", "v_linear": "V", "o_linear": "attn_out", "ffn1": "ffn_pre",
                     "ffn2": "ffn_out", "output": "logits"]
      let layer = String(parameter.prefix { $0 != "." })
      guard let name = outputs[layer], let whole = matrix(TensorRef(name)) else { return }
      let column = i  // row j of W and entry j of b make column j of the output
      out.mark(TensorRef(name), (0..<t).map { $0 * whole.cols + column })
      if ["Q", "K", "V"].contains(name), column / config.dK == selection.head {
        out.mark(TensorRef(name, perHead: true), (0..<t).map { $0 * config.dK + column % config.dK })
      }
    }
  }

  /// `[i,j]`, or `[i]` for a vector.
  func index(_ ref: TensorRef, _ i: Int, _ j: Int) -> String {
    parameters[ref.name]?.shape.count == 1 ? "[\(i)]" : "[\(i),\(j)]"
  }

  /// out[i,j] = input[i,:]·W[j,:] + b[j], an nn.Linear entry.
  func linear(_ name: String, input: (name: String, tensor: Tensor), layer: String, _ i: Int, _ j: Int,
              prefix: String = "") -> Explanation {
    var out = Explanation()
    guard let w = parameters["\(layer).weight"], let b = parameters["\(layer).bias"] else { return out }
    let row = input.tensor.row(i)
    let weights = w.row(j)
    let dot = zip(row, weights).reduce(0) { $0 + $1.0 * $1.1 }
    out.value = dot + b.data[j]
    let (wName, bName) = (Symbol.of("\(layer).weight"), Symbol.of("\(layer).bias"))
    let head = prefix.isEmpty ? "\(name)[\(i),\(j)] = " : prefix
    out.formula = "\(head)\(input.name)[\(i),:]·\(wName)[\(j),:] + \(bName)[\(j)] = (\(dotTerms(row, weights))) + "
      + "\(Format.term(b.data[j])) = \(Format.number(dot + b.data[j]))"
    out.mark(TensorRef(input.name), (0..<row.count).map { i * row.count + $0 })
    out.mark(TensorRef("\(layer).weight"), (0..<weights.count).map { j * weights.count + $0 })
    out.mark(TensorRef("\(layer).bias"), [j])
    return out
  }

  /// out[i,j] = Σ terms[i,j]: a residual sum (or a single term when the residual is off).
  func sum(_ name: String, _ terms: [(String, Tensor?)], _ i: Int, _ j: Int) -> Explanation {
    var out = Explanation()
    let values = terms.map { $0.1?[i, j] ?? .nan }
    out.value = values.reduce(0, +)
    let names = terms.map { "\($0.0)[\(i),\(j)]" }.joined(separator: " + ")
    let numbers = values.map(Format.term).joined(separator: " + ")
    let note = terms.count == 1 ? "   (residual off: R turns it on)" : ""
    out.formula = "\(name)[\(i),\(j)] = \(names) = " + (terms.count > 1 ? "\(numbers) = " : "")
      + Format.number(out.value ?? .nan) + note
    for (termName, tensor) in terms { out.mark(TensorRef(termName), [i * (tensor?.cols ?? 0) + j]) }
    return out
  }

  /// The first terms of a dot product, `0.31·-0.20 + 1.20·0.05 + … 16 terms`.
  func dotTerms(_ a: [Double], _ b: [Double]) -> String {
    let shown = zip(a, b).prefix(2).map { "\(Format.term($0.0))·\(Format.term($0.1))" }.joined(separator: " + ")
    return a.count > 2 ? shown + " + … \(a.count) terms" : shown
  }
}
