import Lessons

extension Classroom {
  /// The explainer's screen (in presenter mode as `Screen` draws it for a projector), with the lesson
  /// picker on top when it is open.
  public func view(width: Int, height: Int) -> Buffer {
    var buffer = Screen.render(state, capabilities: capabilities, width: width, height: height)
    if let picker, width >= Screen.minimumWidth, height >= Screen.minimumHeight {
      drawPicker(into: &buffer, selected: picker)
    }
    return capabilities.unicode ? buffer : Screen.asciiOnly(buffer)
  }

  /// The lesson list drawn over the screen: number, title, steps reached and challenges met; the highlighted
  /// lesson's summary below.
  func drawPicker(into buffer: inout Buffer, selected: Int) {
    let theme = Theme(capabilities)
    let width = min(buffer.width - 4, 90)
    let summaryLines = 3
    let listHeight = max(1, min(library.count, buffer.height - 8 - summaryLines))
    let box = Rect(x: (buffer.width - width) / 2, y: max(0, (buffer.height - listHeight - 6 - summaryLines) / 2),
                   width: width, height: listHeight + 6 + summaryLines)
    let inner = Rect(x: box.x + 2, y: box.y + 1, width: box.width - 4, height: box.height - 2)
    buffer.fill(box)
    drawFrame(box, into: &buffer)
    buffer.write("Lessons", x: inner.x, y: inner.y, style: theme.title, limit: inner)
    buffer.write("j/k move · Enter opens · Esc closes", x: inner.x + 9, y: inner.y, style: theme.faint, limit: inner)

    guard !library.isEmpty else {
      buffer.write("No lessons found (set QKV_LESSONS to a lessons folder).", x: inner.x, y: inner.y + 2, limit: inner)
      return
    }
    // A window of the list that keeps the highlighted row in view.
    let first = min(max(0, selected - listHeight / 2), max(0, library.count - listHeight))
    for (row, index) in (first ..< min(library.count, first + listHeight)).enumerated() {
      let lesson = library[index]
      let done = completion(of: lesson)
      let number = lesson.number.map { String($0) } ?? "·"
      let status = "\(done.reached)/\(done.steps) steps" + (done.challenges > 0 ? "  ✓ \(done.met)/\(done.challenges)" : "")
      let finished = done.reached == done.steps && done.met == done.challenges
      let titleWidth = max(8, inner.width - 5 - status.count - 4)
      let title = Format.shortened(lesson.title, to: titleWidth)
      let text = " " + String(repeating: " ", count: max(0, 2 - number.count)) + number + "  "
        + title.padding(toLength: titleWidth, withPad: " ", startingAt: 0) + "  " + (finished ? "● " : "  ") + status
      let y = inner.y + 2 + row
      let style = index == selected ? theme.selectedTitle : Style.plain
      buffer.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), with: Cell(" ", style: style))
      buffer.write(text, x: inner.x, y: y, style: style, limit: inner)
    }
    if first > 0 { buffer.write("↑", x: inner.maxX - 1, y: inner.y + 2, style: theme.faint) }
    if first + listHeight < library.count { buffer.write("↓", x: inner.maxX - 1, y: inner.y + 1 + listHeight, style: theme.faint) }

    let summaryTop = inner.y + 3 + listHeight
    let summary = library.indices.contains(selected) ? library[selected].summary : ""
    for (n, line) in TextPanel.wrap(summary, width: inner.width).prefix(summaryLines).enumerated() {
      buffer.write(line, x: inner.x, y: summaryTop + n, style: theme.faint, limit: inner)
    }
  }

  private func drawFrame(_ box: Rect, into buffer: inout Buffer) {
    let (h, v, corners): (Character, Character, [Character]) = capabilities.unicode
      ? ("─", "│", ["┌", "┐", "└", "┘"]) : ("-", "|", ["+", "+", "+", "+"])
    for x in box.x ..< box.maxX {
      buffer[x, box.y] = Cell(h)
      buffer[x, box.maxY - 1] = Cell(h)
    }
    for y in box.y ..< box.maxY {
      buffer[box.x, y] = Cell(v)
      buffer[box.maxX - 1, y] = Cell(v)
    }
    buffer[box.x, box.y] = Cell(corners[0])
    buffer[box.maxX - 1, box.y] = Cell(corners[1])
    buffer[box.x, box.maxY - 1] = Cell(corners[2])
    buffer[box.maxX - 1, box.maxY - 1] = Cell(corners[3])
  }
}
