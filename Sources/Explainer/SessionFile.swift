import Foundation
import TinyTransformer

/// Where `w` writes a session: the one side effect of saving, kept out of `update` (as progress is) so tests
/// can put a fake in its place.
public struct SessionWriter: Sendable {
  /// Writes the text to the path (relative to the current folder, `~` for home) and returns the absolute path
  /// written; throws with a message to show when it cannot.
  public var write: @Sendable (_ text: String, _ path: String) throws -> String

  public init(write: @escaping @Sendable (_ text: String, _ path: String) throws -> String) {
    self.write = write
  }

  /// The real one: an atomic write beside the target, so the file is either the old one or the whole new one.
  public static let atomic = SessionWriter { text, path in
    let url = AtomicFile.resolve(path)
    do throws(AtomicFile.Failure) {
      try AtomicFile.write(Data(text.utf8), to: url)
    } catch {
      throw SaveError(description: error.description)
    }
    return url.path
  }
}

/// Why a session could not be saved, in words for the status line.
struct SaveError: Error, CustomStringConvertible {
  let description: String
}
