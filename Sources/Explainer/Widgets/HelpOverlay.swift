/// A framed box over the screen listing every key, in one or two columns as the size allows.
struct HelpOverlay {
  var title = "qkv keys"
  var entries: [(keys: String, meaning: String)]
  /// The same entries spelled short, for when the long ones do not fit.
  var shortEntries: [(keys: String, meaning: String)]
  var footer = "? or Esc closes this help"

  func render(into canvas: inout Canvas, area: Rect) {
    // The roomiest layout that shows every entry: long spellings before short ones, fewer columns before
    // more, a blank line above the footer before the footer set into the bottom edge of the frame.
    for list in [entries, shortEntries] {
      for columns in 1...3 {
        for spacious in [true, false] {
          let layout = Layout(list, columns: columns, spacious: spacious, theme: canvas.theme)
          if layout.width <= area.width && layout.height <= area.height {
            render(list, layout: layout, into: &canvas, area: area)
            return
          }
        }
      }
    }
    // Smaller than any terminal the screen draws into: the short list, clipped.
    render(shortEntries, layout: Layout(shortEntries, columns: 3, spacious: false, theme: canvas.theme), into: &canvas, area: area)
  }

  /// The box's size for `count` entries in `columns`, with a blank line above the footer when `spacious`.
  struct Layout {
    let columns: Int
    let perColumn: Int
    let keyWidth: Int
    let columnWidth: Int
    let spacious: Bool

    init(_ entries: [(keys: String, meaning: String)], columns: Int, spacious: Bool, theme: Theme) {
      self.columns = columns
      self.spacious = spacious
      perColumn = (entries.count + columns - 1) / columns
      let keyWidth = entries.map { theme.text($0.keys).count }.max() ?? 0
      self.keyWidth = keyWidth
      columnWidth = entries.map { keyWidth + 2 + theme.text($0.meaning).count }.max() ?? 0
    }

    /// Frame and margins around the columns, three spaces between them.
    var width: Int { columns * columnWidth + 3 * (columns - 1) + 4 }
    /// The frame, the entries, and the footer (with a blank line above it, or in the bottom edge).
    var height: Int { perColumn + (spacious ? 4 : 2) }
  }

  func render(_ entries: [(keys: String, meaning: String)], layout: Layout, into canvas: inout Canvas, area: Rect) {
    let theme = canvas.theme
    let columnWidth = min(layout.columnWidth, (area.width - 4 - 3 * (layout.columns - 1)) / layout.columns)
    let width = min(area.width, layout.width)
    let height = min(area.height, layout.height)
    let box = Rect(x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width: width, height: height)
    guard box.width >= 4, box.height >= 3 else { return }
    canvas.fill(box)
    drawFrame(into: &canvas, box)
    canvas.write(" \(title) ", x: box.x + 2, y: box.y, style: theme.title, limit: box)
    let inner = Rect(x: box.x + 2, y: box.y + 1, width: box.width - 4, height: layout.perColumn)
    canvas.clipped(to: inner.intersection(box)) { canvas in
      for (n, entry) in entries.enumerated() {
        let column = n / layout.perColumn, row = n % layout.perColumn
        let x = inner.x + column * (columnWidth + 3)
        let limit = Rect(x: x, y: inner.y + row, width: columnWidth, height: 1)
        let after = canvas.write(Format.left(theme.text(entry.keys), layout.keyWidth), x: x, y: inner.y + row,
                                 style: theme.key, limit: limit)
        canvas.write("  " + entry.meaning, x: after, y: inner.y + row, limit: limit)
      }
    }
    let footerY = layout.spacious ? box.maxY - 2 : box.maxY - 1
    let text = layout.spacious ? footer : " \(footer) "
    canvas.write(text, x: box.x + 2, y: footerY, style: theme.faint, limit: Rect(x: box.x + 2, y: footerY, width: box.width - 4, height: 1))
  }

  func drawFrame(into canvas: inout Canvas, _ box: Rect) {
    let theme = canvas.theme
    let c = theme.corners
    for x in box.x..<box.maxX {
      canvas.put(theme.horizontal, x: x, y: box.y)
      canvas.put(theme.horizontal, x: x, y: box.maxY - 1)
    }
    for y in box.y..<box.maxY {
      canvas.put(theme.vertical, x: box.x, y: y)
      canvas.put(theme.vertical, x: box.maxX - 1, y: y)
    }
    canvas.put(c.topLeft, x: box.x, y: box.y)
    canvas.put(c.topRight, x: box.maxX - 1, y: box.y)
    canvas.put(c.bottomLeft, x: box.x, y: box.maxY - 1)
    canvas.put(c.bottomRight, x: box.maxX - 1, y: box.maxY - 1)
  }
}
