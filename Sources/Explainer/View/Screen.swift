import Autodiff
import Lessons
import TinyTransformer

/// The whole screen as a pure function of the state and the size: a header, the step's prose, the stage's
/// panels, the status lines and the key hint (and help on top when open).
enum Screen {
  /// Below this the screen only says how large it needs to be.
  static let minimumWidth = 60
  static let minimumHeight = 16
  /// Status (2), notice (1), hint (1).
  static let footerHeight = 4

  static func render(_ state: AppState, capabilities: Capabilities, width: Int, height: Int) -> Buffer {
    let theme = Theme(capabilities)
    var canvas = Canvas(width: max(0, width), height: max(0, height), theme: theme)
    if width < minimumWidth || height < minimumHeight {
      tooSmall(into: &canvas, width: width, height: height)
    } else {
      let explanation = state.explanation()
      header(state, into: &canvas)
      // Presenter mode gives the prose's rows and the key hint's to the numbers.
      let proseEnd = state.presenter ? 1 : prose(state, into: &canvas, top: 1)
      let footerRows = state.presenter ? footerHeight - 1 : footerHeight
      let content = Rect(x: 0, y: proseEnd, width: width, height: height - proseEnd - footerRows)
      panels(state, explanation: explanation, into: &canvas, area: content)
      footer(state, explanation: explanation, into: &canvas, top: height - footerRows, hint: !state.presenter)
      if state.presenter && theme.hasColor {
        // High contrast for a projector: nothing dim (monochrome keeps dim, which carries magnitude there).
        canvas.buffer.restyle(canvas.buffer.area) { $0.dim = false }
      }
      if state.showsHelp {
        HelpOverlay(entries: KeyMap.help.map { ($0.keys, $0.meaning) }, shortEntries: KeyMap.help.map(\.short))
          .render(into: &canvas, area: canvas.buffer.area)
      }
    }
    return theme.unicode ? canvas.buffer : asciiOnly(canvas.buffer)
  }

  /// Every symbol an ASCII terminal cannot show replaced (the text is spelled in ASCII already; this catches the rest).
  static func asciiOnly(_ buffer: Buffer) -> Buffer {
    var out = buffer
    for y in 0..<buffer.height {
      for x in 0..<buffer.width {
        guard let cell = buffer[x, y], !cell.symbol.isASCII else { continue }
        out[x, y] = Cell(Theme.ascii[cell.symbol]?.first ?? "?", style: cell.style)
      }
    }
    return out
  }

  static func tooSmall(into canvas: inout Canvas, width: Int, height: Int) {
    let text = "qkv needs at least \(minimumWidth)×\(minimumHeight) — this terminal is \(max(0, width))×\(max(0, height)). "
      + "Enlarge the window (q quits)."
    let lines = TextPanel.wrap(canvas.theme.text(text), width: max(1, width - 2))
    let top = max(0, (height - lines.count) / 2)
    for (n, line) in lines.enumerated() {
      canvas.write(line, x: max(0, (width - line.count) / 2), y: top + n, style: canvas.theme.title)
    }
  }

  // MARK: Header and prose

  static func header(_ state: AppState, into canvas: inout Canvas) {
    let theme = canvas.theme
    let width = canvas.buffer.width
    canvas.fill(Rect(x: 0, y: 0, width: width, height: 1), style: theme.header)
    let count = max(1, state.lesson.steps.count)
    let title = theme.text("\(state.stepIndex + 1)/\(count) \(state.step?.title ?? state.lesson.title)")
    let brand = theme.text(" qkv │ ")
    let on = { (flag: Bool) in flag ? "✓" : "✗" }
    var segments = [
      "loss \(Format.number(state.trace.loss))",
      "causal \(on(state.config.causal)) scale \(on(state.config.scale)) residual \(on(state.config.residual))",
      "nudge \(Format.number(state.nudgeSize)) · lr \(Format.number(state.learningRate))",
    ]
    if state.training.running || state.training.steps > 0 {
      segments.insert("\(state.training.running ? "▶ training" : "trained") \(state.training.steps) step\(state.training.steps == 1 ? "" : "s")", at: 1)
    }
    // The room the left part gets: all but the right part and a space.
    let room = { width - theme.text(segments.joined(separator: " │ ")).count - 2 }
    // The title matters more than the nudge size and learning rate (the status lines show those in use).
    if brand.count + title.count > room() { segments.removeLast() }
    // Keep the loss; drop the other segments from the end while the left part would not keep 28 columns.
    while segments.count > 1 && room() < 28 { segments.removeLast() }
    let right = segments.joined(separator: " │ ") + " "
    let start = width - theme.text(right).count
    // A title that still does not fit loses the program's name, then its last words.
    let left = brand.count + title.count <= room() ? brand + title
      : " " + Format.shortened(title, to: room() - 1, ellipsis: theme.text("…"))
    canvas.write(left, x: 0, y: 0, style: theme.header, limit: Rect(x: 0, y: 0, width: start - 1, height: 1))
    canvas.writeRight(right, maxX: width, y: 0, style: theme.header)
    if !state.lossIsFinite {
      let loss = theme.text("loss \(Format.number(state.trace.loss))")
      canvas.write(loss, x: start, y: 0, style: theme.error)
    }
  }

  /// The step's prose (and its challenges) wrapped below the header; returns the first free row. The prose
  /// keeps the lines it needs; the challenges wrap onto the lines left (at least one), ending in `…` when cut.
  static func prose(_ state: AppState, into canvas: inout Canvas, top: Int) -> Int {
    let theme = canvas.theme
    let width = canvas.buffer.width, height = canvas.buffer.height
    let budget = height >= 34 ? 5 : height >= 24 ? 4 : height >= 20 ? 3 : 2
    let ellipsis = theme.text(" …")
    var prose = TextPanel.wrap(theme.text(state.step?.prose ?? "This lesson has no steps."), width: width - 2)
    var goals = challengeLines(state, width: width - 2, theme: theme)
    let goalRows = goals.isEmpty ? 0 : min(goals.count, max(1, budget - prose.count))
    if goals.count > goalRows {
      goals = Array(goals.prefix(goalRows))
      if var last = goals.popLast() {
        let text = last.map(\.text).joined()
        let kept = Format.shortened(text + ellipsis, to: width - 2, ellipsis: ellipsis).count - ellipsis.count
        last = Span.prefix(last, kept) + [Span(ellipsis)]
        goals.append(last)
      }
    }
    if prose.count > budget - goalRows {
      prose = Array(prose.prefix(budget - goalRows))
      if let last = prose.popLast() { prose.append(Format.shortened(last + ellipsis, to: width - 2, ellipsis: ellipsis)) }
    }
    let lines = prose.map { [Span($0)] } + goals
    for (n, line) in lines.enumerated() {
      var x = 1
      for span in line { x = canvas.write(span.text, x: x, y: top + n, style: span.style) }
    }
    return top + lines.count
  }

  /// `Challenge: [✗] goal   [✓] goal`, wrapped at spaces to `width` with continuation lines indented.
  static func challengeLines(_ state: AppState, width: Int, theme: Theme) -> [[Span]] {
    let challenges = state.step?.challenges ?? []
    guard !challenges.isEmpty else { return [] }
    let lead = "Challenge: "
    var lines: [[Span]] = [[Span(lead, theme.title)]]
    var used = lead.count
    func place(_ text: String, _ style: Style) {
      if used + text.count > width && used > lead.count {
        lines.append([Span(String(repeating: " ", count: lead.count))])
        used = lead.count
      }
      lines[lines.count - 1].append(Span(text, style))
      used += text.count
    }
    for (n, challenge) in challenges.enumerated() {
      let result = state.challengeResults.indices.contains(n) ? state.challengeResults[n] : nil
      let slot = theme.text(result.map { $0 ? "[✓]" : "[✗]" } ?? "[ ]")
      if n > 0 { place("   ", .plain) }
      place(slot + " ", result == true ? theme.good : theme.title)
      // The goal word by word, so a long one wraps at its spaces.
      let words = theme.text(challenge.source).split(separator: " ", omittingEmptySubsequences: false)
      for (k, word) in words.enumerated() { place((k > 0 ? " " : "") + word, .plain) }
      // Today's numbers, when they fit on the goal's line: the goal's quantity may be scrolled out of view.
      if challenges.count == 1, result != true, let now = state.challengeProgress.first ?? nil {
        let note = "   now " + theme.text(now)
        if used + note.count <= width { place(note, theme.faint) }
      }
    }
    // A continuation line starts with its word, not the space before it.
    return lines.map { line in
      line.enumerated().map { k, span in
        k == 1 && line.first?.text.allSatisfy({ $0 == " " }) == true && span.text.hasPrefix(" ")
          ? Span(String(span.text.dropFirst()), span.style) : span
      }
    }
  }

  // MARK: Panels

  static func panels(_ state: AppState, explanation: Explanation, into canvas: inout Canvas, area: Rect) {
    guard !area.isEmpty else { return }
    let theme = canvas.theme
    var area = area
    if state.stage.picksParameters && area.width >= minimumWidth + ParameterPicker.width + PageLayout.gap {
      let picker = ParameterPicker(state: state)
      picker.render(into: &canvas, area: Rect(x: area.x, y: area.y, width: ParameterPicker.width, height: area.height))
      area = Rect(x: area.x + ParameterPicker.width + PageLayout.gap, y: area.y,
                  width: area.width - ParameterPicker.width - PageLayout.gap, height: area.height)
    }
    let layout = PageLayout(rows: state.panelRows, width: area.width, viewHeight: area.height) {
      spec, cell in measure(spec, cell: cell, state: state, explanation: explanation, theme: theme,
                            maxWidth: area.width, maxHeight: area.height)
    }
    guard layout.continuesBelow(viewHeight: area.height) else {
      draw(layout, into: &canvas, area: area)
      return
    }
    let before = canvas  // copied only here: the panels may have to be drawn again, a row shorter
    draw(layout, into: &canvas, area: area)
    // "↓ more" goes on the last row where that row is blank there; otherwise the panels give it a row of its own.
    let more = theme.text(" ↓ more (Tab) ")
    // Blank with a column to spare on its left, so it never reads as the end of a row of numbers.
    let spot = Rect(x: area.maxX - more.count - 1, y: area.maxY - 1, width: more.count + 1, height: 1)
    if !canvas.buffer.isBlank(spot) {
      canvas = before
      draw(layout, into: &canvas, area: Rect(x: area.x, y: area.y, width: area.width, height: area.height - 1))
    }
    canvas.writeRight(more, maxX: area.maxX, y: area.maxY - 1, style: theme.faint)
  }

  /// Draws the part of the page that shows the selected panel in `area`, marking a page scrolled down with
  /// the titles of the panels cut at the top and "↑ more" (whether more lies below is
  /// `layout.continuesBelow(viewHeight:)`).
  static func draw(_ layout: PageLayout, into canvas: inout Canvas, area: Rect) {
    guard !area.isEmpty else { return }
    let theme = canvas.theme
    let offset = layout.offset(viewHeight: area.height)
    let up = theme.text(" ↑ more ")
    canvas.clipped(to: area) { canvas in
      for placement in layout.placements {
        let rect = placement.rect.offsetBy(dx: area.x, dy: area.y - offset)
        // A panel that would show only its title and column labels at the bottom waits until it is scrolled to.
        guard !rect.intersection(area).isEmpty, rect.y <= area.y || area.maxY - rect.y > 2 else { continue }
        placement.view.draw(&canvas, rect)
        guard rect.y < area.y else { continue }
        // A panel cut at the top keeps its title there (clear of "↑ more"), so it still says what it is.
        let row = Rect(x: rect.x, y: area.y, width: min(rect.maxX, area.maxX - up.count - 1) - rect.x, height: 1)
        canvas.fill(Rect(x: rect.x, y: area.y, width: rect.width, height: 1))
        let title = theme.text("↑ " + (placement.view.title ?? ""))
        canvas.write(Format.shortened(title, to: row.width, ellipsis: theme.text("…")), x: rect.x, y: area.y,
                     style: theme.title, limit: row)
      }
    }
    let upSpot = Rect(x: area.maxX - up.count - 1, y: area.y, width: up.count + 1, height: 1)
    if offset > 0 && canvas.buffer.isBlank(upSpot) { canvas.writeRight(up, maxX: area.maxX, y: area.y, style: theme.faint) }
  }

  /// A panel measured for `maxWidth` × `maxHeight` with number cells `cell` wide.
  static func measure(_ spec: PanelSpec, cell: Int, state: AppState, explanation: Explanation, theme: Theme,
                      maxWidth: Int, maxHeight: Int) -> PanelView {
    func text(_ panel: TextPanel) -> PanelView {
      PanelView(spec: spec, width: min(maxWidth, panel.naturalWidth(theme)), height: min(maxHeight, panel.naturalHeight),
                naturalWidth: panel.naturalWidth(theme), title: panel.title) {
        canvas, rect in panel.render(into: &canvas, area: rect)
      }
    }
    switch spec {
    case .tensor(let ref):
      return heatmapView(spec, ref: ref, selected: state.selection.tensor == ref, fills: false, cell: cell,
                         state: state, explanation: explanation, theme: theme, maxWidth: maxWidth, maxHeight: maxHeight)
    case .selectedParameter(let gradient):
      let ref = TensorRef(state.selection.tensor.name, gradient: gradient)
      var view = heatmapView(spec, ref: ref, selected: !gradient, fills: true, cell: cell, state: state,
                             explanation: explanation, theme: theme, maxWidth: maxWidth, maxHeight: maxHeight)
      if gradient, state.isParameter(ref.name) {
        // The gradient shows the cursor's entry too: the number beside the parameter's.
        view.draw = { canvas, rect in
          var map = state.heatmap(ref, explanation: explanation, selected: false)
          map?.cursor = (state.selection.row, state.selection.column)
          map?.render(into: &canvas, area: rect, cell: cell)
        }
      }
      return view
    case .tokens: return text(state.tokenTable(theme: theme))
    case .tokenLosses: return text(state.tokenLossLines(theme: theme))
    case .gradientCheck: return text(state.gradientCheckPanel(theme: theme))
    case .graph:
      let list = GraphList(nodes: state.trace.tape, cursor: state.selection.tensor == .graph ? state.selection.row : nil,
                           selected: state.selection.tensor == .graph)
      return PanelView(spec: spec, width: maxWidth, height: min(maxHeight, list.nodes.count + 3), naturalWidth: maxWidth,
                       selected: state.selection.tensor == .graph, title: "computation graph") { canvas, rect in list.render(into: &canvas, area: rect) }
    case .lossCurve:
      let losses = state.training.losses + [state.trace.loss]
      let title = "loss over \(state.training.steps) SGD steps, lr \(Format.number(state.learningRate))"
        + (state.training.running ? " · running (r pauses)" : " · t steps, r runs")
      let line = Sparkline(title: title, values: losses)
      let width = min(maxWidth, max(Sparkline.minimumWidth, min(60, maxWidth - 44)))
      return PanelView(spec: spec, width: width, height: min(maxHeight, 11), naturalWidth: width, title: title) { canvas, rect in
        line.render(into: &canvas, area: rect)
      }
    }
  }

  static func heatmapView(_ spec: PanelSpec, ref: TensorRef, selected: Bool, fills: Bool, cell: Int, state: AppState,
                          explanation: Explanation, theme: Theme, maxWidth: Int, maxHeight: Int) -> PanelView {
    guard let map = state.heatmap(ref, explanation: explanation, selected: selected) else {
      return PanelView(spec: spec, width: 0, height: 0, naturalWidth: 0, draw: { _, _ in })
    }
    let titleWidth = theme.text(map.title).count + 2 + Format.shape([map.values.rows, map.values.cols]).count + (selected ? 2 : 0)
    let natural = max(map.naturalWidth(cell: cell), min(titleWidth, 40), map.minimumWidth)
    return PanelView(spec: spec, width: min(maxWidth, natural), height: min(maxHeight, map.naturalHeight),
                     naturalWidth: natural, fills: fills, selected: selected, title: map.title) {
      canvas, rect in map.render(into: &canvas, area: rect, cell: cell)
    }
  }

  // MARK: Footer

  static func footer(_ state: AppState, explanation: Explanation, into canvas: inout Canvas, top: Int, hint: Bool) {
    let theme = canvas.theme
    let width = canvas.buffer.width
    let line = { (y: Int) in Rect(x: 1, y: y, width: width - 2, height: 1) }
    // 1: the selected entry and its gradient.
    let selected = theme.text(selectionLine(state))
    let perHead = [.scores, .mask, .softmax, .attention].contains(state.stage) || state.selection.tensor.perHead
    let right = theme.text("head \(state.selection.head) of \(state.config.heads) ({ })")
    // The head's place goes first when the line is short: the numbers matter more.
    if perHead && state.config.heads > 1 && selected.count + right.count + 4 <= width {
      canvas.writeRight(right + " ", maxX: width, y: top, style: theme.faint)
    }
    canvas.write(clip(selected, width - 2, theme), x: 1, y: top, style: theme.title, limit: line(top))
    // 2: how it was computed, or (for a parameter) what t would do and the gradient check.
    let second = explanation.formula.map { [$0] } ?? state.gradientCheckSummary() ?? parameterHint(state)
    canvas.write(fitting(second, width - 2, theme), x: 1, y: top + 1, limit: line(top + 1))
    // 3: the notice, or the value being typed.
    if let input = state.input {
      let prompt: String, keys: String
      switch state.inputKind {
      case .value:
        prompt = (state.parameterEntry().map { state.entryName($0.name) } ?? "value") + " = "
        keys = "   Enter sets · Esc cancels"
      case .fileName:
        prompt = "save the session as: "
        keys = "   Enter saves · Esc cancels · Ctrl-U clears"
      }
      // A long path shows its end, where the typing is.
      let room = max(1, width - 3 - prompt.count - (input.count + prompt.count + keys.count + 3 <= width ? keys.count : 0))
      let shown = input.count <= room ? input : "…" + input.suffix(room - 1)
      let end = canvas.write(prompt + shown, x: 1, y: top + 2, style: theme.title, limit: line(top + 2))
      canvas.put("_", x: end, y: top + 2, style: theme.cursor(.plain))
      canvas.write(keys, x: end + 1, y: top + 2, style: theme.faint, limit: line(top + 2))
    } else if let notice = state.notice ?? (state.lossIsFinite ? nil : state.nonFiniteNotice) {
      canvas.write(clip(notice.text, width - 2, theme), x: 1, y: top + 2, style: notice.isError ? theme.error : .plain,
                   limit: line(top + 2))
    }
    // 4: the keys.
    guard hint else { return }
    let keys = KeyMap.hints.first { theme.text($0).count <= width - 2 } ?? KeyMap.hints.last ?? ""
    canvas.write(keys, x: 1, y: top + 3, style: theme.faint, limit: line(top + 3))
  }

  /// `name[i,j] = value · ∂loss/∂name[i,j] = gradient` for the selection (an op's summary for the graph).
  static func selectionLine(_ state: AppState) -> String {
    let s = state.selection
    if s.tensor == .graph {
      let tape = state.trace.tape
      guard tape.indices.contains(s.row) else { return "" }
      let node = tape[s.row]
      let inputs = node.inputs.isEmpty ? "a leaf (a parameter)" : "\(node.op)(\(node.inputs.joined(separator: ", ")))"
      return "#\(s.row) \(node.label) = \(inputs) · \(Format.shape(node.shape.isEmpty ? [1] : node.shape))"
        + " · ‖∂loss/∂‖ = \(Format.number(GraphList.norm(node.gradient)))"
    }
    let valueRef = s.tensor.valueRef
    let index = state.isParameter(valueRef.name) ? state.index(valueRef, s.row, s.column) : "[\(s.row),\(s.column)]"
    let name = state.displayName(valueRef) + index
    let value = state.matrix(valueRef)?[s.row, s.column]
    var text = "\(name) = \(value.map(Format.number) ?? "?")"
    if valueRef.name != "mask", let gradient = state.matrix(valueRef.gradientRef)?[s.row, s.column] {
      text += "   ∂loss/∂\(name) = \(Format.number(gradient))"
    }
    return text
  }

  /// What the keys do to a parameter entry: `t` spelled out with its numbers, then the other keys; shorter
  /// forms follow, each dropping the last of the keys.
  static func parameterHint(_ state: AppState) -> [String] {
    guard let entry = state.parameterEntry(), let w = state.parameters[entry.name]?.data[entry.index],
          let g = state.trace.gradients[entry.name]?.data[entry.index] else {
      return [state.selection.tensor == .graph ? "↑/↓ walk the ops; the chain rule carries ∂loss back along every line" : ""]
    }
    let lr = state.learningRate
    let parts = [
      "t: w ← w − lr·g = \(Format.number(w)) − \(Format.number(lr))·\(Format.number(g)) = \(Format.number(w - lr * g))",
      "+/- nudge by \(Format.number(state.nudgeSize))", "= sets", "g checks the gradient",
    ]
    return (1...parts.count).reversed().map { parts.prefix($0).joined(separator: " · ") }
  }

  /// The first of the texts (longest first) that fits `width`; else the last, cut.
  static func fitting(_ texts: [String], _ width: Int, _ theme: Theme) -> String {
    texts.first { theme.text($0).count <= width }.map(theme.text) ?? clip(texts.last ?? "", width, theme)
  }

  /// Text cut to `width` characters (as spelled for the terminal) with an ellipsis.
  static func clip(_ text: String, _ width: Int, _ theme: Theme) -> String {
    let spelled = theme.text(text)
    guard spelled.count > width, width > 1 else { return spelled }
    return String(spelled.prefix(width - 1)) + (theme.unicode ? "…" : "~")
  }
}
