import Foundation
#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

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
    try AtomicFile.write(Data(text.utf8), to: url)
    return url.path
  }
}

/// Why a session could not be saved, in words for the status line.
struct SaveError: Error, CustomStringConvertible {
  let description: String
}

/// Whole-file writes that never leave half a file: a temporary file in the same folder, flushed, then renamed
/// over the target (a rename within one file system replaces the old file in one step).
enum AtomicFile {
  /// The absolute URL of a path typed by the user.
  static func resolve(_ path: String, in folder: String = FileManager.default.currentDirectoryPath) -> URL {
    let expanded = NSString(string: path).expandingTildeInPath
    let absolute = expanded.hasPrefix("/") ? expanded : folder + "/" + expanded
    return URL(fileURLWithPath: absolute).standardizedFileURL
  }

  static func write(_ data: Data, to url: URL) throws(SaveError) {
    let folder = url.deletingLastPathComponent().path
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
      throw SaveError(description: "\(url.path) is a folder")
    }
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
      throw SaveError(description: "there is no folder \(folder)")
    }
    let temporary = folder + "/." + url.lastPathComponent + ".\(getpid()).tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw SaveError(description: "cannot write in \(folder): \(reason(errno))") }
    var failure: Int32 = 0
    data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
      guard let base = buffer.baseAddress else { return }
      var written = 0
      while written < buffer.count {
        let n = systemWrite(fd, base + written, buffer.count - written)
        if n < 0 {
          if errno == EINTR { continue }
          failure = errno
          return
        }
        written += n
      }
    }
    if failure == 0, fsync(fd) != 0 { failure = errno }
    if close(fd) != 0, failure == 0 { failure = errno }
    if failure == 0, rename(temporary, url.path) != 0 { failure = errno }
    if failure != 0 {
      unlink(temporary)
      throw SaveError(description: "cannot write \(url.path): \(reason(failure))")
    }
  }

  private static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}
