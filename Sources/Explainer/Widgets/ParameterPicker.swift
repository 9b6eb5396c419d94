import TinyTransformer

/// A narrow list of every parameter (by symbol) with the size of its gradient, the selected one marked: what
/// Tab walks through on the stages that show one parameter at a time.
struct ParameterPicker {
  let state: AppState

  static let width = 15

  func render(into canvas: inout Canvas, area: Rect) {
    guard !area.isEmpty else { return }
    let theme = canvas.theme
    let layout = Parameters.layout(for: state.config)
    let selected = layout.firstIndex { $0.name == state.selection.tensor.name }
    let norms = layout.map { GraphList.norm(state.trace.gradients[$0.name] ?? Tensor(zeros: [0])) }
    let largest = norms.filter(\.isFinite).max() ?? 0
    canvas.clipped(to: area) { canvas in
      canvas.write("‖∂loss/∂p‖", x: area.x, y: area.y, style: theme.title)
      let visible = area.height - 1
      let start = Heatmap.windowStart(focus: selected, visible: visible, count: layout.count)
      for r in 0..<min(visible, layout.count - start) {
        let n = start + r
        let isSelected = n == selected
        let text = (isSelected ? "\(theme.cursorMark) " : "  ") + Format.left(Symbol.of(layout[n].name), 5)
          + Format.right(Format.gradientNorm(norms[n], largest: largest), 8)
        canvas.write(text, x: area.x, y: area.y + 1 + r, style: isSelected ? theme.cursor(.plain) : .plain)
      }
    }
  }
}
