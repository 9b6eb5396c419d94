import Explainer

/// Turns the view's palette colours into colour numbers the terminal has.
struct ColorMapping: Equatable {
  /// What the view was told it may use.
  var colors: Capabilities.Colors
  /// How many colours the terminal has (ncurses' COLORS after start_color).
  var terminalColors: Int
  /// Whether use_default_colors succeeded, so -1 means the terminal's own foreground or background.
  var defaultColors: Bool

  /// What the terminal's colour count lets us promise the view: ≥256 full, ≥8 basic, else none.
  /// NO_COLOR (https://no-color.org: any non-empty value) turns colour off.
  static func capability(terminalColors: Int, noColor: String?) -> Capabilities.Colors {
    if let noColor, !noColor.isEmpty { return .none }
    if terminalColors >= 256 { return .full }
    if terminalColors >= 8 { return .basic }
    return .none
  }

  /// The number of palette entries we may pass to init_pair.
  var usableColors: Int {
    switch colors {
    case .full: return min(terminalColors, 256)
    case .basic: return min(terminalColors, 8)
    case .none: return 0
    }
  }

  /// The ncurses colour number for `color`; -1 is the terminal's default.
  func number(_ color: Color, background: Bool) -> Int16 {
    switch color {
    case .default:
      // Without default-colour support the terminal starts as white on black (pair 0).
      return defaultColors ? -1 : (background ? 0 : 7)
    case .palette(let index):
      let limit = usableColors
      if limit == 0 { return number(.default, background: background) }
      if Int(index) < limit { return Int16(index) }
      return Int16(Self.nearest(to: index, among: limit))
    }
  }

  /// The xterm colour below `count` that looks closest to xterm colour `index` (distance in RGB).
  static func nearest(to index: UInt8, among count: Int) -> Int {
    let target = rgb(index)
    var best = 0
    var bestDistance = Int.max
    for candidate in 0..<min(count, 256) {
      let c = rgb(UInt8(candidate))
      let distance = (c.r - target.r) * (c.r - target.r) + (c.g - target.g) * (c.g - target.g)
        + (c.b - target.b) * (c.b - target.b)
      if distance < bestDistance { (best, bestDistance) = (candidate, distance) }
    }
    return best
  }

  /// xterm's default RGB for a palette index: 16 system colours, a 6×6×6 cube, then 24 greys.
  static func rgb(_ index: UInt8) -> (r: Int, g: Int, b: Int) {
    let system: [(Int, Int, Int)] = [
      (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
      (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255),
      (0, 255, 255), (255, 255, 255),
    ]
    let i = Int(index)
    if i < 16 { return system[i] }
    if i >= 232 {
      let grey = 8 + 10 * (i - 232)
      return (grey, grey, grey)
    }
    let levels = [0, 95, 135, 175, 215, 255]
    let cube = i - 16
    return (levels[cube / 36], levels[(cube / 6) % 6], levels[cube % 6])
  }
}
