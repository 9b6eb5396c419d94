import Foundation
@testable import Explainer

/// A scratch folder (created), removed afterwards.
func withTemporaryFolder(_ body: (URL) throws -> Void) throws {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qkv-explainer-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: folder) }
  try body(folder)
}

extension Classroom {
  /// Sends the keys in order.
  mutating func press(_ keys: Key...) {
    for key in keys { _ = update(.key(key)) }
  }

  /// Types the text a character at a time.
  mutating func type(_ text: String) {
    for ch in text { _ = update(.key(.character(ch))) }
  }
}
