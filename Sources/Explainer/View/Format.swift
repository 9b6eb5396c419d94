import Foundation

/// Numbers as the screen prints them: ASCII minus, `nan`, `∞`.
enum Format {
  private static let powers: [Double] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000]

  /// `x` with a fixed number of decimals (0–8), e.g. `-0.31`; a negative that rounds to zero keeps its sign
  /// (`-0.00`), so a tiny gradient still says which way it points.
  static func fixed(_ x: Double, decimals: Int) -> String {
    guard x.isFinite else { return nonFinite(x) }
    let d = min(max(decimals, 0), powers.count - 1)
    let scaled = (abs(x) * powers[d]).rounded()
    guard scaled < 1e15 else { return String(format: "%.\(d)e", x) }
    // The digits of `scaled`, written straight into the string's bytes (this runs for every number on screen).
    var digits = Int(scaled)
    var count = 0  // digits of `scaled`: at least d + 1, so there is a digit before the point
    var rest = digits
    repeat { count += 1; rest /= 10 } while rest > 0
    count = max(count, d + 1)
    let length = (x < 0 ? 1 : 0) + count + (d > 0 ? 1 : 0)
    return String(unsafeUninitializedCapacity: length) { bytes in
      var at = length
      for k in 0..<count {
        if k == d && d > 0 { at -= 1; bytes[at] = UInt8(ascii: ".") }
        at -= 1
        bytes[at] = UInt8(ascii: "0") + UInt8(digits % 10)
        digits /= 10
      }
      if x < 0 { bytes[0] = UInt8(ascii: "-") }
      return length
    }
  }

  /// Whether a nonzero gradient norm is rounding noise: below 1e-12 of the largest one. (∂loss/∂k_linear.bias is
  /// exactly zero in exact arithmetic — softmax ignores a constant added to a row — and its computed value is
  /// noise that depends on the order of the sums, so the screen says ≈0 rather than print it.)
  static func isNegligible(_ norm: Double, largest: Double) -> Bool { norm != 0 && norm < largest * 1e-12 }

  /// A gradient norm, or ≈0 when it is rounding noise next to `largest`.
  static func gradientNorm(_ norm: Double, largest: Double) -> String {
    isNegligible(norm, largest: largest) ? "≈0" : number(norm)
  }

  /// About four significant digits, switching to an exponent for very small or large magnitudes:
  /// `0.07123`, `-1.234`, `3.10e-05`.
  static func number(_ x: Double) -> String {
    guard x.isFinite else { return nonFinite(x) }
    if x == 0 { return "0" }
    let magnitude = abs(x)
    if magnitude >= 1e-3 && magnitude < 1e5 {
      let digitsBeforePoint = Int(log10(magnitude).rounded(.down)) + 1
      var text = fixed(x, decimals: max(0, 4 - digitsBeforePoint))
      // 0.1000 → 0.1, 2.500 → 2.5: trailing zeros say nothing here.
      if text.contains(".") {
        while text.last == "0" { text.removeLast() }
        if text.last == "." { text.removeLast() }
      }
      return text
    }
    return String(format: "%.2e", x)
  }

  /// A signed change: `+0.0123` or `-0.0123`.
  static func signed(_ x: Double) -> String { (x > 0 ? "+" : "") + number(x) }

  /// A short value for products in formulas: two decimals, or `number` when that would show nothing.
  static func term(_ x: Double) -> String {
    let magnitude = abs(x)
    return magnitude >= 0.005 && magnitude < 1e4 || x == 0 || !x.isFinite ? fixed(x, decimals: 2) : number(x)
  }

  static func nonFinite(_ x: Double) -> String { x.isNaN ? "nan" : (x > 0 ? "∞" : "-∞") }

  /// The shape as `8×16` (a vector as `16`).
  static func shape(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "×") }

  /// `a` padded with spaces on the left to `width` characters (cut from the right when longer).
  static func right(_ a: String, _ width: Int) -> String {
    a.count >= width ? String(a.prefix(width)) : String(repeating: " ", count: width - a.count) + a
  }

  /// `a` padded with spaces on the right to `width` characters (cut when longer).
  static func left(_ a: String, _ width: Int) -> String {
    a.count >= width ? String(a.prefix(width)) : a + String(repeating: " ", count: width - a.count)
  }

  /// Text cut to at most `width` characters at a word boundary, ending in `ellipsis` (mid-word only when the
  /// first word alone is too long): `Exponentiate, then…`.
  static func shortened(_ text: String, to width: Int, ellipsis: String = "…") -> String {
    guard text.count > width else { return text }
    guard width > ellipsis.count else { return String(text.prefix(max(0, width))) }
    let kept = text.prefix(width - ellipsis.count)
    // Cut before the word the limit falls in (unless the limit falls just after a whole word).
    var words = text.dropFirst(kept.count).first == " " ? kept[...] : kept[..<(kept.lastIndex(of: " ") ?? kept.startIndex)]
    // Punctuation that led to the words cut off goes with them.
    while let last = words.last, " ,;:·—–-".contains(last) { words.removeLast() }
    return (words.isEmpty ? String(kept) : String(words)) + ellipsis
  }
}
