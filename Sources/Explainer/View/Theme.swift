/// Colours, attributes and symbols for one terminal's `Capabilities`: the only place that knows what a colour
/// looks like. Diverging (signed) values run blue → neutral → orange and probabilities through a teal ramp,
/// both safe for the common colour-blindnesses; in monochrome the numbers stay printed and magnitude shows as
/// bold (large) or dim (near zero).
struct Theme: Sendable {
  let capabilities: Capabilities

  init(_ capabilities: Capabilities) { self.capabilities = capabilities }

  var unicode: Bool { capabilities.unicode }
  var hasColor: Bool { capabilities.colors != .none }

  // MARK: Value styles

  /// The colour level of a signed value relative to the largest magnitude shown: −4 … 4, 0 near zero.
  static func level(_ value: Double, scale: Double) -> Int {
    guard value.isFinite, scale > 0 else { return 0 }
    let r = min(abs(value) / scale, 1)
    let magnitude = r < 0.05 ? 0 : r < 0.25 ? 1 : r < 0.5 ? 2 : r < 0.75 ? 3 : 4
    return value < 0 ? -magnitude : magnitude
  }

  /// The style of a signed value (level −4 … 4).
  func diverging(level: Int) -> Style {
    let magnitude = abs(level)
    switch capabilities.colors {
    case .none:
      return Style(bold: magnitude >= 3, dim: magnitude <= 1)
    case .basic:
      // 4 blue, 3 yellow: the pair the colour-blind can always tell apart.
      let hue: UInt8 = level < 0 ? 4 : 3
      if magnitude == 0 { return .plain }
      if magnitude <= 2 { return Style(foreground: .palette(hue), bold: magnitude == 2) }
      return Style(foreground: .palette(level < 0 ? 7 : 0), background: .palette(hue), bold: magnitude == 4)
    case .full:
      if magnitude == 0 { return .plain }
      let negative: [UInt8] = [153, 110, 67, 24]
      let positive: [UInt8] = [223, 215, 208, 166]
      let background = (level < 0 ? negative : positive)[magnitude - 1]
      let light = magnitude <= 2 || (level > 0 && magnitude == 3)
      return Style(foreground: .palette(light ? 16 : 231), background: .palette(background))
    }
  }

  /// The sequential level of a probability: 0 … 4.
  static func probabilityLevel(_ p: Double) -> Int {
    guard p.isFinite else { return 0 }
    return p < 0.05 ? 0 : p < 0.2 ? 1 : p < 0.4 ? 2 : p < 0.7 ? 3 : 4
  }

  /// The style of a probability level (0 … 4).
  func sequential(level: Int) -> Style {
    switch capabilities.colors {
    case .none:
      return Style(bold: level >= 3, dim: level == 0)
    case .basic:
      if level == 0 { return .plain }
      if level <= 2 { return Style(foreground: .palette(6), bold: level == 2) }
      return Style(foreground: .palette(0), background: .palette(6), bold: level == 4)
    case .full:
      if level == 0 { return .plain }
      let ramp: [UInt8] = [195, 152, 73, 30]
      return Style(foreground: .palette(level <= 2 ? 16 : 231), background: .palette(ramp[level - 1]))
    }
  }

  /// What the legend says when colour cannot: how bold and dim map to magnitudes.
  var monochromeLegend: (bold: String, dim: String) { ("bold", "dim") }

  // MARK: Text styles

  var title: Style { Style(bold: true) }
  var selectedTitle: Style { Style(bold: true, reverse: true) }
  var faint: Style { Style(dim: true) }
  var header: Style { Style(bold: true, reverse: true) }
  var error: Style {
    hasColor ? Style(foreground: .palette(capabilities.colors == .full ? 231 : 7), background: .palette(1), bold: true)
      : Style(bold: true, reverse: true)
  }
  var good: Style { hasColor ? Style(foreground: .palette(capabilities.colors == .full ? 32 : 4), bold: true) : Style(bold: true) }
  var key: Style { Style(bold: true) }

  /// The cursor: reversed and bold over whatever the cell's colour is.
  func cursor(_ style: Style) -> Style { emphasis(style, reverse: true) }

  /// An entry the selected value was computed from: underlined and bold.
  func source(_ style: Style) -> Style { emphasis(style, underline: true) }

  /// A style made to stand out: bold and never dim, with its colours kept.
  private func emphasis(_ style: Style, reverse: Bool = false, underline: Bool = false) -> Style {
    var s = style
    s.reverse = s.reverse || reverse
    s.underline = s.underline || underline
    s.bold = true
    s.dim = false
    return s
  }

  // MARK: Symbols

  var horizontal: Character { unicode ? "─" : "-" }
  var vertical: Character { unicode ? "│" : "|" }
  var corners: (topLeft: Character, topRight: Character, bottomLeft: Character, bottomRight: Character) {
    unicode ? ("┌", "┐", "└", "┘") : ("+", "+", "+", "+")
  }
  /// Marks the cursor's cell in plain text.
  var cursorMark: Character { unicode ? "▸" : ">" }
  /// Marks a source entry in plain text.
  var sourceMark: Character { unicode ? "•" : "*" }
  /// Sparkline levels, lowest first.
  var bars: [Character] { unicode ? ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] : ["_", ".", ",", "-", "=", "+", "*", "#"] }

  /// Text as this terminal can show it: with `unicode` off every symbol becomes ASCII.
  func text(_ s: String) -> String {
    guard !unicode, s.utf8.contains(where: { $0 >= 0x80 }) else { return s }
    var out = ""
    var pendingRoot = false
    for ch in s {
      // √d_k → sqrt(d_k): the root covers the name or number after it.
      if pendingRoot && !(ch.isLetter || ch.isNumber || ch == "_") {
        out.append(")")
        pendingRoot = false
      }
      if ch == "√" {
        out += "sqrt("
        pendingRoot = true
      } else if ch.isASCII {
        out.append(ch)
      } else {
        out += Theme.ascii[ch] ?? "?"
      }
    }
    if pendingRoot { out.append(")") }
    return out
  }

  /// ASCII spellings of the symbols the explainer uses.
  static let ascii: [Character: String] = [
    "·": "*", "ᵀ": "^T", "∂": "d", "√": "sqrt", "←": "<-", "→": "->", "↑": "^", "↓": "v", "−": "-", "…": "...",
    "∞": "inf", "Σ": "sum", "‖": "|", "✓": "ok", "✗": "x", "×": "x", "≈": "~", "≤": "<=", "≥": ">=", "▸": ">",
    "▶": ">", "•": "*", "–": "-", "—": "--", "⊙": "*", "─": "-", "│": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+",
    "▁": "_", "▂": ".", "▃": ",", "▄": "-", "▅": "=", "▆": "+", "▇": "*", "█": "#", "±": "+-", "⁻": "-",
    "¹": "1", "²": "2", "ℓ": "l", "η": "lr", "Δ": "d", "‘": "'", "’": "'", "“": "\"", "”": "\"", "⏸": "||", "ₖ": "_k", "■": "#",
  ]
}
