/// A buffer being drawn, with the theme that spells text for the terminal and a clip rectangle: what every
/// widget draws into. Widgets never see the terminal.
struct Canvas {
  var buffer: Buffer
  let theme: Theme
  /// Nothing is drawn outside this rectangle.
  var clip: Rect

  init(width: Int, height: Int, theme: Theme) {
    buffer = Buffer(width: width, height: height)
    self.theme = theme
    clip = buffer.area
  }

  /// Writes text (spelled for the terminal) from (x, y), clipped to `limit` ∩ the clip rectangle.
  /// Returns the column after the last character.
  @discardableResult
  mutating func write(_ text: String, x: Int, y: Int, style: Style = .plain, limit: Rect? = nil) -> Int {
    buffer.write(theme.text(text), x: x, y: y, style: style, limit: limit.map { $0.intersection(clip) } ?? clip)
  }

  /// Writes text right-aligned so that it ends at column `maxX` (exclusive). Returns its first column.
  @discardableResult
  mutating func writeRight(_ text: String, maxX: Int, y: Int, style: Style = .plain, limit: Rect? = nil) -> Int {
    let spelled = theme.text(text)
    let x = maxX - spelled.count
    buffer.write(spelled, x: x, y: y, style: style, limit: limit.map { $0.intersection(clip) } ?? clip)
    return x
  }

  /// Puts one symbol at (x, y) when it is inside the clip rectangle.
  mutating func put(_ symbol: Character, x: Int, y: Int, style: Style = .plain) {
    guard clip.contains(x, y) else { return }
    buffer[x, y] = Cell(symbol, style: style)
  }

  /// Fills a rectangle (clipped) with blank cells of a style.
  mutating func fill(_ rect: Rect, style: Style = .plain) {
    buffer.fill(rect.intersection(clip), with: Cell(" ", style: style))
  }

  /// Restyles a rectangle (clipped), keeping the symbols.
  mutating func restyle(_ rect: Rect, _ change: (inout Style) -> Void) {
    buffer.restyle(rect.intersection(clip), change)
  }

  /// A horizontal rule from x for `width` cells.
  mutating func rule(x: Int, y: Int, width: Int, style: Style = .plain) {
    write(String(repeating: theme.horizontal, count: max(0, width)), x: x, y: y, style: style)
  }

  /// Runs `draw` with the clip rectangle narrowed to `rect`.
  mutating func clipped(to rect: Rect, _ draw: (inout Canvas) -> Void) {
    let saved = clip
    clip = clip.intersection(rect)
    draw(&self)
    clip = saved
  }
}

extension Buffer {
  /// Whether every cell of the rectangle (inside the buffer) is a space.
  func isBlank(_ rect: Rect) -> Bool {
    for y in max(0, rect.y) ..< min(height, rect.maxY) {
      for x in max(0, rect.x) ..< min(width, rect.maxX) where self[x, y]?.symbol != " " { return false }
    }
    return true
  }
}

extension Rect {
  /// The cells both rectangles cover (empty when they do not meet).
  func intersection(_ other: Rect) -> Rect {
    let x0 = max(x, other.x), y0 = max(y, other.y)
    let x1 = min(maxX, other.maxX), y1 = min(maxY, other.maxY)
    return Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
  }

  /// Whether the cell (x, y) lies inside.
  func contains(_ px: Int, _ py: Int) -> Bool { px >= x && py >= y && px < maxX && py < maxY }

  /// The rectangle moved by (dx, dy).
  func offsetBy(dx: Int = 0, dy: Int = 0) -> Rect { Rect(x: x + dx, y: y + dy, width: width, height: height) }
}
