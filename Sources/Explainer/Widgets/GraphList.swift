import Foundation
import TinyTransformer

/// The recorded forward pass, one op per line in forward order, with the size of the gradient that flowed back
/// into each: ‖∂loss/∂value‖ as a number and a bar on a log scale. A line of summary says whether the chain
/// from the loss back to every parameter is unbroken.
struct GraphList {
  var nodes: [TraceNode]
  var cursor: Int?
  var selected = false

  /// The Frobenius norm √Σ g².
  static func norm(_ t: Tensor) -> Double { t.data.reduce(0) { $0 + $1 * $1 }.squareRoot() }

  /// The gradient norm of every node.
  var norms: [Double] { nodes.map { GraphList.norm($0.gradient) } }

  /// Nodes (by index) no gradient reached at all, and nodes whose gradient is zero up to rounding.
  static func breaks(_ norms: [Double]) -> (zero: [Int], negligible: [Int]) {
    let largest = norms.filter(\.isFinite).max() ?? 0
    let zero = norms.indices.filter { norms[$0] == 0 }
    let negligible = norms.indices.filter { Format.isNegligible(norms[$0], largest: largest) }
    return (zero, negligible)
  }

  /// Two lines for `width` columns: what the list shows, and whether the gradient reached every value. Values
  /// it reaches only as ≈0 are named after the verdict, or (where that line is full) after the first line.
  func summary(width: Int = .max) -> [String] {
    let norms = self.norms
    let (zero, negligible) = GraphList.breaks(norms)
    let verdict = zero.isEmpty ? "every value receives a gradient: no break in the chain"
      : "no gradient reaches: " + zero.map { nodes[$0].label }.joined(separator: ", ")
    let heading = "\(nodes.count) values in forward order, with ‖∂loss/∂value‖ and a log-scale bar"
    guard !negligible.isEmpty else { return [heading, verdict] }
    let cancelled = "≈0 by cancellation: " + negligible.map { nodes[$0].label }.joined(separator: ", ")
    if (verdict + " · " + cancelled).count <= width { return [heading, verdict + " · " + cancelled] }
    return ["\(nodes.count) values in forward order · " + cancelled, verdict]
  }

  func render(into canvas: inout Canvas, area: Rect) {
    guard !area.isEmpty else { return }
    let theme = canvas.theme
    let norms = self.norms
    let largest = norms.filter(\.isFinite).max() ?? 0
    canvas.clipped(to: area) { canvas in
      let marker = selected ? "\(theme.cursorMark) " : ""
      canvas.write(marker + "computation graph", x: area.x, y: area.y, style: selected ? theme.selectedTitle : theme.title)
      for (k, line) in summary(width: area.width).enumerated() {
        canvas.write(line, x: area.x, y: area.y + 1 + k, style: k == 0 ? theme.faint : theme.good)
      }
      let top = area.y + 3
      let visible = max(0, area.maxY - top)
      let start = Heatmap.windowStart(focus: cursor, visible: visible, count: nodes.count)
      let labelWidth = max(12, min(30, area.width - 52))
      for r in 0..<min(visible, nodes.count - start) {
        let index = start + r
        let node = nodes[index]
        let norm = norms[index]
        let shape = Format.shape(node.shape.isEmpty ? [1] : node.shape)
        let normText = Format.gradientNorm(norm, largest: largest)
        let line = Format.right(String(index), 3) + " " + Format.left(node.op, 14) + " "
          + Format.left(node.label, labelWidth) + " " + Format.right(shape, 6) + " " + Format.right(normText, 10) + " "
        let y = top + r
        let isCursor = cursor == index
        var x = canvas.write(line, x: area.x, y: y, style: isCursor ? theme.cursor(.plain) : (norm == 0 ? theme.error : .plain))
        // Bar: log10 of the norm over 8 decades below the largest.
        if norm > 0, largest > 0 {
          let decades = max(0, min(8, 8 + log10(norm / largest)))
          let length = max(1, Int((decades * 1.5).rounded()))
          x = canvas.write(String(repeating: theme.bars[5], count: length), x: x, y: y, style: theme.good)
        }
        if isCursor { canvas.put(theme.cursorMark, x: area.x, y: y, style: theme.cursor(.plain)) }
      }
    }
  }
}
