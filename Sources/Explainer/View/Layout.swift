/// A panel measured for the space it gets, ready to draw.
struct PanelView {
  var spec: PanelSpec
  var width: Int
  var height: Int
  /// The width that would show everything (may exceed `width`, which is clamped to the space).
  var naturalWidth: Int
  /// Panels that share the height left over (the selected parameter and its gradient) rather than scroll.
  var fills = false
  var selected = false
  /// Shown on the top row when the panel is scrolled partly out of view, so a cut panel still says what it is.
  var title: String?
  var draw: (inout Canvas, Rect) -> Void
}

/// Where each panel of a stage goes in a tall virtual page the width of the screen: rows of panels side by
/// side, wrapped onto more lines when they do not fit.
struct PageLayout {
  struct Placement {
    var view: PanelView
    var rect: Rect
  }

  var placements: [Placement] = []
  var height = 0

  static let gap = 2

  /// Lays out rows of panels (each already measured, `measure(spec, cell)` for a number-cell width) in `width`
  /// columns, with `viewHeight` rows visible: a row of heatmaps gets the roomy cell width when all of it fits
  /// on one line, the narrow one otherwise; a row that fits whole beside the previous one shares its line. Lines of `fills` panels share the height below the lines above
  /// them, so the selected parameter and its gradient stay on screen together.
  init(rows: [[PanelSpec]], width: Int, viewHeight: Int, measure: (PanelSpec, Int) -> PanelView) {
    var lines: [[PanelView]] = []
    var line: [PanelView] = []
    var x = 0
    for row in rows {
      var views = row.map { measure($0, Heatmap.cellWidths[0]) }
      if views.reduce(0, { $0 + $1.naturalWidth }) + PageLayout.gap * (views.count - 1) > width {
        views = row.map { measure($0, Heatmap.cellWidths[1]) }
      }
      // A whole row that fits beside the line so far joins it (small blocks read left to right: x, W, b → Q).
      let rowWidth = views.reduce(0) { $0 + $1.width } + PageLayout.gap * (views.count - 1)
      if !line.isEmpty && x + rowWidth > width {
        lines.append(line)
        line = []
        x = 0
      }
      for view in views {
        if !line.isEmpty && x + view.width > width {
          lines.append(line)
          line = []
          x = 0
        }
        line.append(view)
        x += view.width + PageLayout.gap
      }
    }
    if !line.isEmpty { lines.append(line) }
    var heights = lines.map { line in min(viewHeight, line.map(\.height).max() ?? 0) }
    if let firstFill = lines.firstIndex(where: { $0.contains { $0.fills } }) {
      let fillLines = lines.indices.filter { lines[$0].contains { $0.fills } }
      let above = heights[..<firstFill].reduce(0, +)
      let share = (viewHeight - above) / max(1, fillLines.count)
      for n in fillLines { heights[n] = min(heights[n], max(share, 6)) }
    }
    var y = 0
    for (n, line) in lines.enumerated() {
      var x = 0
      for view in line {
        placements.append(Placement(view: view, rect: Rect(x: x, y: y, width: min(view.width, width), height: heights[n])))
        x += view.width + PageLayout.gap
      }
      y += heights[n]
    }
    height = y
  }

  /// The first row of the page to show so the selected panel is wholly in view (it is never taller than the
  /// view), scrolling as little as possible: what lies just above it (often its inputs) stays visible.
  /// A line that would show only its last `fragmentRows` rows or fewer is scrolled out whole: a title and a
  /// row or two of a panel say little and crowd the panels that matter.
  func offset(viewHeight: Int) -> Int {
    guard let selected = placements.first(where: { $0.view.selected })?.rect else { return 0 }
    let offset = max(0, min(selected.y, selected.maxY - viewHeight))
    guard let cut = placements.first(where: { $0.rect.y < offset && $0.rect.maxY > offset })?.rect,
          cut.maxY - offset <= PageLayout.fragmentRows, cut.maxY <= selected.y else { return offset }
    return cut.maxY
  }

  static let fragmentRows = 4

  /// Whether more of the page lies below a view of `viewHeight` rows scrolled to `offset(viewHeight:)`.
  func continuesBelow(viewHeight: Int) -> Bool { height - offset(viewHeight: viewHeight) > viewHeight }
}
