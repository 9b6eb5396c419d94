import Explainer
import Testing
import TinyTransformer
@testable import QKVCommands

/// `qkv bench --ui`: the report's lines, and the byte estimate of a frame diff (no timing is asserted).
struct UIBenchTests {
  @Test func reportsLatencyAndBytesWithTheP99Last() {
    let captured = Captured()
    UIBench.run(config: BlockConfig(), seconds: 0, keys: 40, captured.output)
    let out = captured.out
    #expect(out.contains("cold start to first frame:"))
    #expect(out.contains("40 keys: latency p50"))
    #expect(out.contains("bytes per key: mean"))
    let last = out.split(separator: "\n").last.map(String.init) ?? ""
    #expect(last.hasSuffix(" ms p99") && Double(last.dropLast(" ms p99".count)) != nil, "\(out)")
  }

  @Test func bytesCountSymbolsCursorMovesAndStyleChanges() {
    var frame = Buffer(width: 10, height: 3)
    _ = frame.write("ab", x: 2, y: 1)
    _ = frame.write("é", x: 7, y: 1, style: Style(bold: true))
    let changed = frame.changes(from: Buffer(width: 10, height: 3))
    // "ab" at row 2, column 3: ESC[2;3H (6 bytes), ESC[0m (4), a, b; then é two cells on: ESC[2;8H (6),
    // ESC[0;1m (6), é (2 bytes of UTF-8).
    #expect(UIBench.bytesWritten(frame, changed) == 6 + 4 + 2 + 6 + 6 + 2)
    #expect(UIBench.bytesWritten(frame, []) == 0)
  }
}
