import Foundation
import Autodiff
import Lessons
import TinyTransformer

/// How each tensor is titled and labelled on screen.
extension AppState {
  /// `Q`, or `Q[h1]` for one head's part.
  func displayName(_ ref: TensorRef) -> String {
    ref.perHead ? "\(ref.name)[h\(selection.head)]" : ref.name
  }

  /// The title line of a tensor's heatmap: its name and how it is computed.
  func title(of ref: TensorRef) -> String {
    if ref.gradient { return "∂loss/∂\(displayName(ref.valueRef))" }
    if isParameter(ref.name) {
      // A bias is a narrow column: its symbol alone keeps it beside its weight (the status line names it in full).
      return parameters[ref.name]?.shape.count == 1 ? Symbol.of(ref.name) : "\(ref.name) (\(Symbol.of(ref.name)))"
    }
    let h = selection.head, dk = config.dK
    let columns = "columns \(h * dk)–\((h + 1) * dk - 1)"
    switch ref.name {
    case "embedded": return "embedded = E[tokens]"
    case "x": return config.positional ? "x = E[tokens] + P" : "x = E[tokens]"
    case "Q", "K", "V":
      let layer = ref.name.lowercased()
      return ref.perHead ? "\(ref.name)[h\(h)] = \(ref.name) \(columns)" : "\(ref.name) = x·W\(layer)ᵀ + b\(layer)"
    case "scores":
      return config.scale ? "scores[h\(h)] = Q·Kᵀ/√\(dk)" : "scores[h\(h)] = Q·Kᵀ (not scaled)"
    case "mask": return config.causal ? "mask (causal: −∞ above the diagonal)" : "mask (off: all 0)"
    case "masked": return "masked[h\(h)] = scores + mask"
    case "probs": return "probs[h\(h)] = softmax(each row)"
    case "attention": return ref.perHead ? "attention[h\(h)] = probs·V[h\(h)]" : "attention = concat(heads)"
    case "attn_out": return "attn_out = attention·Woᵀ + bo"
    case "h1": return config.residual ? "h1 = x + attn_out" : "h1 = attn_out (residual off)"
    case "ffn_pre": return "ffn_pre = h1·W1ᵀ + b1"
    case "ffn_hidden": return "ffn_hidden = relu(ffn_pre)"
    case "ffn_out": return "ffn_out = ffn_hidden·W2ᵀ + b2"
    case "y": return config.residual ? "y = h1 + ffn_out" : "y = ffn_out (residual off)"
    case "logits": return "logits = y·Woutᵀ + bout"
    default: return displayName(ref)
    }
  }

  /// Row and column labels: words (or ids) for positions and vocabulary entries, indices for dimensions.
  func labels(of ref: TensorRef, rows: Int, columns: Int) -> (rows: [String], columns: [String]) {
    let indices = { (n: Int, from: Int) in (0..<n).map { String(from + $0) } }
    let positions = tokens.map(word)
    let vocabulary = (0..<config.vocabSize).map(word)
    let isVector = parameters[ref.name]?.shape.count == 1
    switch ref.name {
    case "embedding.weight", "output.weight": return (vocabulary, indices(columns, 0))
    case "output.bias": return (vocabulary, ["b"])
    case "position.weight": return (indices(rows, 0), indices(columns, 0))
    case _ where isVector: return (indices(rows, 0), ["b"])
    case _ where isParameter(ref.name): return (indices(rows, 0), indices(columns, 0))
    case "scores", "probs", "masked", "mask": return (positions, positions)
    case "logits": return (positions, vocabulary)
    case _ where ref.perHead: return (positions, indices(columns, selection.head * config.dK))
    default: return (positions, indices(columns, 0))
    }
  }

  /// The heatmap of a tensor as it stands, with the cursor and the highlighted sources.
  func heatmap(_ ref: TensorRef, explanation: Explanation, selected: Bool) -> Heatmap? {
    guard let values = matrix(ref) else { return nil }
    let (rowLabels, columnLabels) = labels(of: ref, rows: values.rows, columns: values.cols)
    let isProbability = ref.name == "probs" && !ref.gradient
    var marked: Set<Int> = []
    if ref.name == "logits" { marked = Set(targets.enumerated().map { $0.offset * values.cols + $0.element }) }
    return Heatmap(
      title: title(of: ref), values: values, palette: isProbability ? .probability : .diverging,
      rowLabels: rowLabels, columnLabels: columnLabels,
      cursor: selection.tensor == ref ? (selection.row, selection.column) : nil, selected: selected,
      sources: explanation.sources[ref] ?? [], marked: marked, rowSums: isProbability)
  }

  /// p(target) and the loss at each position.
  func tokenLossLines(theme: Theme) -> TextPanel {
    let losses = trace.tokenLosses
    let wordWidth = max(6, min(8, (tokens + targets).map { word($0).count }.max() ?? 0))
    var lines: [[Span]] = [[Span(Format.left("pos", 4) + Format.left("token", wordWidth) + " → " + Format.left("target", wordWidth)
                                   + Format.right("p(target)", 10) + Format.right("−log p", 8), theme.faint)]]
    for (t, loss) in losses.enumerated() {
      let text = Format.left(String(t), 4) + Format.left(word(tokens[t]), wordWidth) + " → "
        + Format.left(word(targets[t]), wordWidth) + Format.right(Format.fixed(exp(-loss), decimals: 3), 10)
        + Format.right(Format.fixed(loss, decimals: 3), 8)
      let row = selection.tensor.name == "logits" && selection.row == t
      lines.append([Span(text, row ? theme.title : .plain)])
    }
    let width = 4 + 2 * wordWidth + 3
    lines.append([Span(Format.left("mean = loss", width + 10), theme.title),
                  Span(Format.right(Format.fixed(trace.loss, decimals: 3), 8), lossIsFinite ? theme.title : theme.error)])
    return TextPanel(title: "loss per position = −log p(target)", lines: lines)
  }

  /// The input: position, word, id and target.
  func tokenTable(theme: Theme) -> TextPanel {
    let wordWidth = max(6, min(10, (tokens + targets).map { word($0).count }.max() ?? 0) + 1)
    var lines: [[Span]] = [[Span(Format.left("pos", 5) + Format.left("token", wordWidth) + Format.right("id", 4)
                                   + "   " + Format.left("target", wordWidth) + Format.right("id", 4), theme.faint)]]
    for t in tokens.indices {
      lines.append([Span(Format.left(String(t), 5) + Format.left(word(tokens[t]), wordWidth) + Format.right(String(tokens[t]), 4)
                           + " → " + Format.left(word(targets[t]), wordWidth) + Format.right(String(targets[t]), 4))])
    }
    let vocabulary = lesson.vocabulary.map { "vocabulary: " + $0.enumerated().map { "\($0.offset) \($0.element)" }.joined(separator: " · ") }
    if let vocabulary { lines.append([Span(vocabulary, theme.faint)]) }
    return TextPanel(title: "input: \(tokens.count) tokens, and the next word to predict at each", lines: lines)
  }

  /// The gradient check of the selected entry, spelled out.
  func gradientCheckPanel(theme: Theme) -> TextPanel {
    guard let check = gradientCheck else {
      return TextPanel(title: "gradient check", lines: [[Span("Select a parameter entry (Tab, arrows) to check its gradient.", theme.faint)]])
    }
    func row(_ label: String, _ value: String, _ note: String = "", _ style: Style = .plain) -> [Span] {
      [Span(Format.left(label, 30)), Span(Format.right(value, 18), style), Span("  " + note, theme.faint, optional: true)]
    }
    let digits = { (x: Double) in x.isFinite ? String(format: "%.12g", x) : Format.nonFinite(x) }
    let agree = check.relativeDifference < 1e-6
    let name = entryName(check.parameter)
    return TextPanel(title: "gradient check of \(name), h = \(Format.number(check.h))", lines: [
      row("w", digits(parameters[check.parameter]?.data[parameterEntry()?.index ?? 0] ?? .nan)),
      row("loss(w + h)", digits(check.lossPlus)),
      row("loss(w − h)", digits(check.lossMinus)),
      row("(loss(w+h) − loss(w−h)) / 2h", digits(check.numeric), "finite difference", theme.title),
      row("∂loss/∂w", digits(check.analytic), "back-propagation", theme.title),
      row("relative difference", String(format: "%.2e", check.relativeDifference),
          agree ? "✓ they agree" : "✗ they differ", agree ? theme.good : theme.error),
    ])
  }

  /// The live gradient check in one line, spelled shorter and shorter (the status line shows the first that fits).
  func gradientCheckSummary() -> [String]? {
    guard let check = gradientCheck else { return nil }
    let mark = check.relativeDifference < 1e-6 ? "✓" : "✗"
    let (numeric, analytic) = (String(format: "%.9g", check.numeric), String(format: "%.9g", check.analytic))
    let difference = String(format: "%.1e", check.relativeDifference)
    return [
      "gradient check: (loss(w+h) − loss(w−h))/2h = \(numeric) · backprop \(analytic) · relative difference \(difference) \(mark)",
      "finite difference \(numeric) · backprop \(analytic) · relative difference \(difference) \(mark)",
      "finite difference \(numeric) · backprop \(analytic) · rel. diff. \(difference) \(mark)",
      "finite diff. \(numeric) · backprop \(analytic) · rel. \(difference) \(mark)",
    ]
  }

}
