/// A colour of the terminal's palette: `.default` is the terminal's own; `.palette(n)` is xterm colour n
/// (0–7 the basic colours, 8–15 bright, 16–255 the 256-colour cube and greys).
public enum Color: Hashable, Sendable {
  case `default`
  case palette(UInt8)
}

/// How a cell is drawn.
public struct Style: Hashable, Sendable {
  public var foreground: Color
  public var background: Color
  public var bold: Bool
  public var dim: Bool
  public var reverse: Bool
  public var underline: Bool

  public init(foreground: Color = .default, background: Color = .default, bold: Bool = false, dim: Bool = false,
              reverse: Bool = false, underline: Bool = false) {
    self.foreground = foreground
    self.background = background
    self.bold = bold
    self.dim = dim
    self.reverse = reverse
    self.underline = underline
  }

  public static let plain = Style()
}

/// One character cell of the screen.
public struct Cell: Hashable, Sendable {
  /// What is shown: one character of display width 1.
  public var symbol: Character
  public var style: Style

  public init(_ symbol: Character = " ", style: Style = .plain) {
    self.symbol = symbol
    self.style = style
  }
}

/// A rectangle of the screen, in cells.
public struct Rect: Hashable, Sendable {
  public var x: Int
  public var y: Int
  public var width: Int
  public var height: Int

  public init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x
    self.y = y
    self.width = max(0, width)
    self.height = max(0, height)
  }

  public var maxX: Int { x + width }
  public var maxY: Int { y + height }
  public var isEmpty: Bool { width == 0 || height == 0 }
}

/// The whole screen as a flat, row-major grid of cells: what `view` draws into and the backend blits.
/// Drawing outside the buffer is clipped, never a crash.
public struct Buffer: Equatable, Sendable {
  public let width: Int
  public let height: Int
  public private(set) var cells: [Cell]

  public init(width: Int, height: Int, filling cell: Cell = Cell()) {
    self.width = max(0, width)
    self.height = max(0, height)
    cells = Array(repeating: cell, count: self.width * self.height)
  }

  public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

  /// The cell at column x, row y (nil outside).
  public subscript(x: Int, y: Int) -> Cell? {
    get { contains(x, y) ? cells[y * width + x] : nil }
    set {
      guard contains(x, y), let newValue else { return }
      cells[y * width + x] = newValue
    }
  }

  public func contains(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < width && y < height }

  /// Writes text from (x, y) to the right, one character per cell, clipped to `limit` (default: the buffer)
  /// and to the buffer. Returns the column after the last character written.
  @discardableResult
  public mutating func write(_ text: String, x: Int, y: Int, style: Style = .plain, limit: Rect? = nil) -> Int {
    let clip = limit ?? area
    var column = x
    for ch in text {
      if column >= clip.maxX { break }
      if column >= clip.x, y >= clip.y, y < clip.maxY, ch != "\n" { self[column, y] = Cell(ch, style: style) }
      column += 1
    }
    return column
  }

  /// Fills a rectangle with one cell.
  public mutating func fill(_ rect: Rect, with cell: Cell = Cell()) {
    for y in max(0, rect.y) ..< min(height, rect.maxY) {
      for x in max(0, rect.x) ..< min(width, rect.maxX) { cells[y * width + x] = cell }
    }
  }

  /// Changes the style of every cell of a rectangle, keeping the symbols.
  public mutating func restyle(_ rect: Rect, _ change: (inout Style) -> Void) {
    for y in max(0, rect.y) ..< min(height, rect.maxY) {
      for x in max(0, rect.x) ..< min(width, rect.maxX) { change(&cells[y * width + x].style) }
    }
  }

  /// The screen as plain text, one string per row, trailing spaces removed (for tests and `qkv render`).
  public var lines: [String] {
    (0..<height).map { y in
      var row = String(cells[(y * width) ..< ((y + 1) * width)].map(\.symbol))
      while row.last == " " { row.removeLast() }
      return row
    }
  }

  /// The positions whose cells differ from `previous` (all of them when the sizes differ): what a backend redraws.
  public func changes(from previous: Buffer?) -> [(x: Int, y: Int)] {
    guard let previous, previous.width == width, previous.height == height else {
      return (0..<height).flatMap { y in (0..<width).map { (x: $0, y: y) } }
    }
    var out: [(x: Int, y: Int)] = []
    for i in cells.indices where cells[i] != previous.cells[i] { out.append((x: i % width, y: i / width)) }
    return out
  }
}
