import Foundation
import Testing

/// Compares a screen with `Snapshots/<name>.txt` next to this file. With `QKV_RECORD=1` in the environment the
/// file is (re)written instead and the test fails saying so, so a recording run is never mistaken for a pass.
func expectSnapshot(_ lines: [String], named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
  let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Snapshots").appendingPathComponent("\(name).txt")
  let actual = lines.joined(separator: "\n") + "\n"
  if ProcessInfo.processInfo.environment["QKV_RECORD"] == "1" {
    do {
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try actual.write(to: url, atomically: true, encoding: .utf8)
      Issue.record("recorded new baseline \(url.path); run again without QKV_RECORD to check it", sourceLocation: sourceLocation)
    } catch {
      Issue.record("could not record \(url.path): \(error)", sourceLocation: sourceLocation)
    }
    return
  }
  guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
    Issue.record("no snapshot \(url.path): record it with QKV_RECORD=1 swift test --filter ExplainerTests",
                 sourceLocation: sourceLocation)
    return
  }
  guard expected != actual else { return }
  let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
  let got = actual.split(separator: "\n", omittingEmptySubsequences: false)
  let line = (0..<min(want.count, got.count)).first { want[$0] != got[$0] } ?? min(want.count, got.count)
  let show = { (rows: [Substring]) in rows.indices.contains(line) ? String(rows[line]) : "(no line)" }
  Issue.record("""
    screen \(name) differs from \(url.lastPathComponent) at line \(line + 1):
      expected: \(show(want))
      actual:   \(show(got))
    If the change is intended, re-record with QKV_RECORD=1 swift test --filter ExplainerTests and review the diff.
    Actual screen:
    \(actual)
    """, sourceLocation: sourceLocation)
}
