/// A run of text in one style.
struct Span {
  var text: String
  var style: Style
  /// Left out whole where it would be cut (a note that means nothing half shown).
  var optional = false
  init(_ text: String, _ style: Style = .plain, optional: Bool = false) {
    self.text = text
    self.style = style
    self.optional = optional
  }

  /// The first `count` characters of a line of spans.
  static func prefix(_ spans: [Span], _ count: Int) -> [Span] {
    var left = count
    var out: [Span] = []
    for span in spans where left > 0 {
      out.append(Span(String(span.text.prefix(left)), span.style))
      left -= span.text.count
    }
    return out
  }
}

/// Lines of styled text under a title; lines longer than the area are cut, rows past its height dropped.
struct TextPanel {
  var title: String?
  var lines: [[Span]]
  var selected = false

  /// The width that shows every line whole, as spelled for the terminal.
  func naturalWidth(_ theme: Theme) -> Int {
    max(title.map { theme.text($0).count + 2 } ?? 0, lines.map { $0.reduce(0) { $0 + theme.text($1.text).count } }.max() ?? 0)
  }
  var naturalHeight: Int { lines.count + (title == nil ? 0 : 1) }

  func render(into canvas: inout Canvas, area: Rect) {
    guard !area.isEmpty else { return }
    let theme = canvas.theme
    canvas.clipped(to: area) { canvas in
      var y = area.y
      if let title {
        let marker = selected ? "\(theme.cursorMark) " : ""
        canvas.write(marker + title, x: area.x, y: y, style: selected ? theme.selectedTitle : theme.title)
        y += 1
      }
      for line in lines where y < area.maxY {
        var x = area.x
        for span in line where !(span.optional && x + theme.text(span.text).count > area.maxX) {
          x = canvas.write(span.text, x: x, y: y, style: span.style)
        }
        y += 1
      }
    }
  }

  /// Splits text into lines of at most `width` characters at spaces (a longer word is cut).
  static func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var lines: [String] = []
    for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
      var line = ""
      for word in paragraph.split(separator: " ") {
        var word = Substring(word)
        while word.count > width {
          if !line.isEmpty { lines.append(line); line = "" }
          lines.append(String(word.prefix(width)))
          word = word.dropFirst(width)
        }
        if line.isEmpty { line = String(word) } else if line.count + 1 + word.count <= width { line += " " + word } else {
          lines.append(line)
          line = String(word)
        }
      }
      lines.append(line)
    }
    return lines
  }
}
