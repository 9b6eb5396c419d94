import Explainer

/// A tiny program to drive the backend without the explainer: it records every message, draws a few styled
/// cells, quits on `q` (or after `ticksToQuit` ticks) and, on `x`, changes one cell.
struct DemoProgram: Program {
  var messages: [Message] = []
  var ticksToQuit: Int?
  var tickInterval: Duration?
  var capturesInterrupt = false
  var marked = false

  mutating func update(_ message: Message) -> Effect {
    messages.append(message)
    if message == .key(.character("q")) { return .quit }
    if message == .key(.character("x")) { marked.toggle() }
    if let ticksToQuit, messages.filter({ $0 == .tick }).count >= ticksToQuit { return .quit }
    return .none
  }

  static let title = Style(foreground: .palette(1), background: .palette(4), bold: true)
  static let heat = Style(foreground: .palette(231), background: .palette(202), underline: true)

  func view(width: Int, height: Int) -> Buffer {
    var buffer = Buffer(width: width, height: height)
    buffer.write("demo \(width)x\(height)", x: 0, y: 0, style: Self.title)
    buffer.write("∂loss/∂W é", x: 0, y: 1, style: Style(reverse: true))
    buffer.write("0.25", x: 0, y: 2, style: Self.heat)
    buffer.write("dim", x: 0, y: 3, style: Style(dim: true))
    buffer.write(marked ? "X" : "o", x: 10, y: 3)
    buffer.write("Z", x: width - 1, y: height - 1)
    return buffer
  }
}
