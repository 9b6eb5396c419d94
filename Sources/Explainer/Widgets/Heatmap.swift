import Autodiff
import Foundation

/// A matrix drawn as coloured cells with every number printed, row and column labels, a title line and a
/// footer with the scale, the colour legend and (when it does not fit) which rows and columns are shown.
///
/// Signed values use the diverging palette scaled to the largest magnitude; probabilities use the sequential
/// one on [0, 1]. Numbers are printed divided by a power of ten shown in the footer (`×1e-3`), so gradients
/// keep their digits. The window follows the cursor when the matrix is larger than the area.
struct Heatmap {
  enum Palette { case diverging, probability }

  var title: String
  var values: Tensor
  var palette: Palette = .diverging
  var rowLabels: [String]
  var columnLabels: [String]
  /// The cursor, when this is the selected tensor.
  var cursor: (row: Int, column: Int)?
  /// Whether the panel is the selected one (its title is highlighted).
  var selected = false
  /// Entries the selected value was computed from (flat indices).
  var sources: Set<Int> = []
  /// Entries to underline (e.g. the targets among the logits).
  var marked: Set<Int> = []
  /// Adds a Σ column with each row's sum.
  var rowSums = false

  /// Widths of one number cell: roomy (` -0.31`) and narrow (` -.31`).
  static let cellWidths = [6, 5]
  static let sumWidth = 7
  /// Title, column labels, footer.
  static let chromeHeight = 3

  var labelWidth: Int { min(8, rowLabels.map(\.count).max() ?? 0) + 1 }
  var extraWidth: Int { labelWidth + (rowSums ? Heatmap.sumWidth : 0) }

  /// The width that shows every column with cells of `cell` characters.
  func naturalWidth(cell: Int) -> Int { extraWidth + values.cols * cell }
  var naturalHeight: Int { values.rows + Heatmap.chromeHeight }
  /// The least useful size: one row and one column.
  var minimumWidth: Int { extraWidth + 6 }

  // MARK: Scale

  /// The power of ten the printed numbers are divided by, so the largest (`magnitude`, the scale) shows as d.dd.
  func exponent(scale magnitude: Double) -> Int {
    guard palette == .diverging else { return 0 }
    guard magnitude > 0, magnitude < 0.1 || magnitude >= 9.995 else { return 0 }
    var e = Int(log10(magnitude).rounded(.down))
    if magnitude / pow(10, Double(e)) >= 9.995 { e += 1 }
    return e
  }

  /// The largest finite magnitude (the end of the colour scale).
  var scale: Double { values.data.lazy.filter(\.isFinite).map(abs).max() ?? 0 }

  /// One number as a cell of `cell` characters (a leading space that a mark may replace).
  static func cellText(_ x: Double, divisor: Double, cell: Int, theme: Theme) -> String {
    guard x.isFinite else { return Format.right(theme.text(Format.nonFinite(x)), cell) }
    let shown = x / divisor
    var text = Format.fixed(shown, decimals: 2)
    if text.count > cell - 1 {
      // Narrow cells: -0.31 → -.31, -1.23 → -1.2.
      text = text.hasPrefix("-0.") ? "-" + text.dropFirst(2) : Format.fixed(shown, decimals: 1)
    }
    return Format.right(text, cell)
  }

  // MARK: Drawing

  /// The first index of a window of `visible` out of `count` that keeps `focus` in view.
  static func windowStart(focus: Int?, visible: Int, count: Int) -> Int {
    guard let focus, visible > 0, count > visible else { return 0 }
    return min(max(0, focus - visible + 1), count - visible)
  }

  func render(into canvas: inout Canvas, area: Rect, cell: Int) {
    guard !area.isEmpty else { return }
    let theme = canvas.theme
    let labelWidth = self.labelWidth  // measured once, not once per cell
    canvas.clipped(to: area) { canvas in
      let rows = values.rows, columns = values.cols
      let visibleRows = max(0, min(rows, area.height - Heatmap.chromeHeight))
      let visibleColumns = max(0, min(columns, (area.width - extraWidth) / cell))
      let rowStart = Heatmap.windowStart(focus: cursor?.row, visible: visibleRows, count: rows)
      let columnStart = Heatmap.windowStart(focus: cursor?.column, visible: visibleColumns, count: columns)
      let scale = self.scale  // one pass over the values, for the colours and the exponent
      let e = exponent(scale: scale)
      let divisor = pow(10, Double(e))

      // Title: name and shape.
      canvas.write(heading(width: area.width, theme: theme), x: area.x, y: area.y,
                   style: selected ? theme.selectedTitle : theme.title)

      // Column labels.
      let labelY = area.y + 1
      for c in 0..<visibleColumns {
        let column = columnStart + c
        let label = columnLabels.indices.contains(column) ? columnLabels[column] : String(column)
        let style = cursor?.column == column ? theme.title : theme.faint
        canvas.write(Format.right(String(theme.text(label).prefix(cell - 1)), cell), x: area.x + labelWidth + c * cell,
                     y: labelY, style: style)
      }
      if rowSums { canvas.write(Format.right(theme.text("Σ"), Heatmap.sumWidth), x: area.x + labelWidth + visibleColumns * cell, y: labelY, style: theme.faint) }

      // Rows.
      for r in 0..<visibleRows {
        let row = rowStart + r
        let y = labelY + 1 + r
        let label = rowLabels.indices.contains(row) ? rowLabels[row] : String(row)
        canvas.write(Format.left(String(theme.text(label).prefix(labelWidth - 1)), labelWidth), x: area.x, y: y,
                     style: cursor?.row == row ? theme.title : theme.faint)
        for c in 0..<visibleColumns {
          let column = columnStart + c
          let index = row * columns + column
          let value = values.data[index]
          var style = self.style(of: value, scale: scale, theme: theme)
          var text = Heatmap.cellText(value, divisor: divisor, cell: cell, theme: theme)
          if marked.contains(index) { style.underline = true }
          if cursor.map({ $0.row == row && $0.column == column }) == true {
            style = theme.cursor(style)
            text = String(theme.cursorMark) + text.dropFirst()
          } else if sources.contains(index) {
            style = theme.source(style)
            if text.first == " " { text = String(theme.sourceMark) + text.dropFirst() }
          }
          canvas.write(text, x: area.x + labelWidth + c * cell, y: y, style: style)
        }
        if rowSums {
          let sum = values.row(row).reduce(0, +)
          canvas.write(Format.right(Format.fixed(sum, decimals: 2), Heatmap.sumWidth),
                       x: area.x + labelWidth + visibleColumns * cell, y: y, style: theme.faint)
        }
      }

      // Footer: scale, legend, window (`rows 0–11 of 16`, or `rows 0–11/16` where that does not fit).
      // Spelled three ways, longest first: `rows 0–11 of 16`, `rows 0–11/16`, `0–11/16`.
      var forms: [[String]] = [[], [], []]
      if e != 0 { for n in forms.indices { forms[n].append("×1e\(e)") } }
      for (name, start, visible, count) in [("rows", rowStart, visibleRows, rows), ("cols", columnStart, visibleColumns, columns)]
        where visible < count {
        let range = "\(start)–\(start + visible - 1)"
        forms[0].append("\(name) \(range) of \(count)")
        forms[1].append("\(name) \(range)/\(count)")
        forms[2].append("\(range)/\(count)")
      }
      let footerY = labelY + 1 + visibleRows
      let texts = [forms[0].joined(separator: " · "), forms[1].joined(separator: " "), forms[2].joined(separator: " ")]
      let text = texts.first { theme.text($0).count <= area.width } ?? texts[2]
      var x = canvas.write(text, x: area.x, y: footerY, style: theme.faint)
      if !text.isEmpty { x += 2 }
      drawLegend(into: &canvas, x: x, y: footerY, scale: scale, divisor: divisor, maxX: area.maxX)
    }
  }

  /// The title line for `width` columns: marker, title and shape; a long title loses its last words (and
  /// then the shape) rather than stopping mid-word.
  func heading(width: Int, theme: Theme) -> String {
    let marker = selected ? "\(theme.cursorMark) " : ""
    let name = theme.text(title)
    let shape = "  " + Format.shape([values.rows, values.cols])
    let ellipsis = theme.text("…")
    if marker.count + name.count + shape.count <= width { return marker + name + shape }
    // Keep the shape while at least a word or so of the title fits beside it.
    if width - marker.count - shape.count >= 8 {
      return marker + Format.shortened(name, to: width - marker.count - shape.count, ellipsis: ellipsis) + shape
    }
    return marker + Format.shortened(name, to: width - marker.count, ellipsis: ellipsis)
  }

  func style(of value: Double, scale: Double, theme: Theme) -> Style {
    guard value.isFinite else { return value.isNaN ? theme.error : theme.faint }
    switch palette {
    case .diverging: return theme.diverging(level: Theme.level(value, scale: scale))
    case .probability: return theme.sequential(level: Theme.probabilityLevel(value))
    }
  }

  /// The colour ramp with its end values, or (monochrome) what bold and dim mean.
  func drawLegend(into canvas: inout Canvas, x: Int, y: Int, scale: Double, divisor: Double, maxX: Int) {
    let theme = canvas.theme
    guard scale > 0 || palette == .probability else { return }
    guard theme.hasColor else {
      let text: String
      switch palette {
      case .diverging:
        text = "bold |v| ≥ \(Format.fixed(0.5 * scale / divisor, decimals: 2)) · dim < \(Format.fixed(0.25 * scale / divisor, decimals: 2))"
      case .probability: text = "bold p ≥ 0.40 · dim p < 0.05"
      }
      if x + theme.text(text).count <= maxX { canvas.write(text, x: x, y: y, style: theme.faint) }
      return
    }
    let (low, high, levels): (String, String, [Style]) = switch palette {
    case .diverging:
      ("-" + Format.fixed(scale / divisor, decimals: 2), "+" + Format.fixed(scale / divisor, decimals: 2),
       (-4...4).map { theme.diverging(level: $0) })
    case .probability: ("0", "1", (0...4).map { theme.sequential(level: $0) })
    }
    guard x + low.count + levels.count + high.count + 2 <= maxX else { return }
    var column = canvas.write(low + " ", x: x, y: y, style: theme.faint)
    for style in levels {
      // A swatch: a coloured background, or a coloured block where the level only colours the text.
      let symbol: Character = style.background == .default ? (theme.unicode ? "■" : "#") : " "
      canvas.put(symbol, x: column, y: y, style: style)
      column += 1
    }
    canvas.write(" " + high, x: column, y: y, style: theme.faint)
  }
}
