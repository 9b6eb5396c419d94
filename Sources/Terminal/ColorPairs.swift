/// ncurses colour pairs handed out on demand, one per (foreground, background) the view uses.
/// Pairs are never redefined: ncurses repaints every cell already drawn with a pair when it changes.
struct ColorPairs {
  /// A foreground and background colour number (-1 the terminal's default).
  struct Colors: Hashable {
    var foreground: Int16
    var background: Int16
  }

  /// What pair 0 shows (it cannot be redefined).
  let pairZero: Colors
  /// The highest pair number we may define.
  let capacity: Int
  private var assigned: [Colors: Int16] = [:]

  /// `pairs` is ncurses' COLOR_PAIRS; numbers above Int16.max need the extended API, which we do without.
  init(pairs: Int, pairZero: Colors) {
    self.pairZero = pairZero
    capacity = max(0, min(pairs - 1, Int(Int16.max)))
    assigned[pairZero] = 0
  }

  /// How many pairs are defined besides pair 0.
  var count: Int { assigned.count - 1 }

  /// The pair for these colours; `isNew` means the caller must init_pair it. When every pair is taken, the
  /// nearest one already defined: the same background (heatmaps carry meaning there), then the same
  /// foreground, then pair 0.
  mutating func pair(_ colors: Colors) -> (number: Int16, isNew: Bool) {
    if let number = assigned[colors] { return (number, false) }
    if count < capacity {
      let number = Int16(count + 1)
      assigned[colors] = number
      return (number, true)
    }
    let fallbacks = [
      Colors(foreground: pairZero.foreground, background: colors.background),
      Colors(foreground: colors.foreground, background: pairZero.background),
    ]
    for fallback in fallbacks { if let number = assigned[fallback] { return (number, false) } }
    return (0, false)
  }
}
