/// A framed box over the screen listing every key, in one or two columns as the size allows.
struct HelpOverlay {
  var title = "qkv keys"
  var entries: [(keys: String, meaning: String)]
  /// The same entries spelled short, for when the long ones do not fit.
  var shortEntries: [(keys: String, meaning: String)]
  var footer = "? or Esc closes this help"

  func render(into canvas: inout Canvas, area: Rect) {
    let theme = canvas.theme
    let width = entries.map { theme.text($0.keys).count + 2 + theme.text($0.meaning).count }.max() ?? 0
    let fits = entries.count + 4 <= area.height && width + 4 <= area.width
    render(fits ? entries : shortEntries, into: &canvas, area: area)
  }

  func render(_ entries: [(keys: String, meaning: String)], into canvas: inout Canvas, area: Rect) {
    let theme = canvas.theme
    let keyWidth = entries.map { theme.text($0.keys).count }.max() ?? 0
    let entryWidth = entries.map { keyWidth + 2 + theme.text($0.meaning).count }.max() ?? 0
    // Two columns when one would be taller than the area.
    let columns = entries.count + 4 > area.height ? 2 : 1
    let perColumn = (entries.count + columns - 1) / columns
    let columnWidth = min(entryWidth, (area.width - 4 - 3 * (columns - 1)) / columns)
    let width = min(area.width, columns * columnWidth + 3 * (columns - 1) + 4)
    let height = min(area.height, perColumn + 4)
    let box = Rect(x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width: width, height: height)
    guard box.width >= 4, box.height >= 3 else { return }
    canvas.fill(box)
    drawFrame(into: &canvas, box)
    canvas.write(" \(title) ", x: box.x + 2, y: box.y, style: theme.title, limit: box)
    let inner = Rect(x: box.x + 2, y: box.y + 1, width: box.width - 4, height: box.height - 3)
    canvas.clipped(to: inner) { canvas in
      for (n, entry) in entries.enumerated() {
        let column = n / perColumn, row = n % perColumn
        let x = inner.x + column * (columnWidth + 3)
        let limit = Rect(x: x, y: inner.y + row, width: columnWidth, height: 1)
        let after = canvas.write(Format.left(theme.text(entry.keys), keyWidth), x: x, y: inner.y + row, style: theme.key, limit: limit)
        canvas.write("  " + entry.meaning, x: after, y: inner.y + row, limit: limit)
      }
    }
    canvas.write(footer, x: box.x + 2, y: box.maxY - 2, style: theme.faint, limit: Rect(x: box.x + 2, y: box.maxY - 2, width: box.width - 4, height: 1))
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
