/// A series drawn as bars, one column per value (the latest `width` values, or averages of groups when
/// there are more), several rows high, with the first, last and extreme values printed.
struct Sparkline {
  var title: String
  var values: [Double]

  static let minimumWidth = 24

  /// The values as `width` columns: the series itself when it fits, else each column the mean of its group.
  static func resample(_ values: [Double], width: Int) -> [Double] {
    guard width > 0, values.count > width else { return values }
    return (0..<width).map { c in
      let start = c * values.count / width
      let end = max(start + 1, (c + 1) * values.count / width)
      return values[start..<end].reduce(0, +) / Double(end - start)
    }
  }

  func render(into canvas: inout Canvas, area: Rect) {
    guard !area.isEmpty else { return }
    let theme = canvas.theme
    canvas.clipped(to: area) { canvas in
      canvas.write(title, x: area.x, y: area.y, style: theme.title)
      let finite = values.filter(\.isFinite)
      guard let low = finite.min(), let high = finite.max() else {
        canvas.write("no steps yet: t takes one, r runs", x: area.x, y: area.y + 1, style: theme.faint)
        return
      }
      let axisWidth = max(Format.number(high).count, Format.number(low).count) + 1
      let plotWidth = max(1, area.width - axisWidth)
      let rows = max(1, area.height - 2)
      let series = Sparkline.resample(values, width: plotWidth)
      let bars = theme.bars
      let levels = rows * bars.count
      canvas.write(Format.right(Format.number(high), axisWidth - 1), x: area.x, y: area.y + 1, style: theme.faint)
      canvas.write(Format.right(Format.number(low), axisWidth - 1), x: area.x, y: area.y + rows, style: theme.faint)
      for (c, value) in series.enumerated() {
        let x = area.x + axisWidth + c
        guard value.isFinite else {
          canvas.put("!", x: x, y: area.y + rows, style: theme.error)
          continue
        }
        // Height in eighths of a row: at least one eighth, so the lowest point still shows.
        let fraction = high > low ? (value - low) / (high - low) : 0.5
        let height = max(1, Int((fraction * Double(levels - 1)).rounded()) + 1)
        for r in 0..<rows {
          let filled = height - r * bars.count
          guard filled > 0 else { break }
          canvas.put(bars[min(filled, bars.count) - 1], x: x, y: area.y + rows - r, style: theme.good)
        }
      }
      let (first, now) = (Format.number(values.first ?? .nan), Format.number(values.last ?? .nan))
      let long = "first \(first) · now \(now)"
      let caption = theme.text(long).count <= area.width - axisWidth ? long : "\(first) → \(now)"
      canvas.write(caption, x: area.x + axisWidth, y: area.y + rows + 1, style: theme.faint)
    }
  }
}
