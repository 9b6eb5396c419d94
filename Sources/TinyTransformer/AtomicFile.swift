import Foundation
#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// Whole-file writes that never leave half a file: a temporary file in the same folder, flushed, then renamed
/// over the target (a rename within one file system replaces the old file in one step). The export, saved
/// sessions and saved progress all write this way.
public enum AtomicFile {
  /// Why a file could not be written, in words for the user.
  public struct Failure: Error, CustomStringConvertible {
    public let description: String
  }

  /// The absolute URL of a path typed by the user.
  public static func resolve(_ path: String, in folder: String = FileManager.default.currentDirectoryPath) -> URL {
    let expanded = NSString(string: path).expandingTildeInPath
    let absolute = expanded.hasPrefix("/") ? expanded : folder + "/" + expanded
    return URL(fileURLWithPath: absolute).standardizedFileURL
  }

  /// Writes `data` to `url` whole, or throws and leaves whatever was there before untouched.
  public static func write(_ data: Data, to url: URL) throws(Failure) {
    let folder = url.deletingLastPathComponent().path
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
      throw Failure(description: "\(url.path) is a folder")
    }
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
      throw Failure(description: "there is no folder \(folder)")
    }
    let temporary = folder + "/." + url.lastPathComponent + ".\(getpid()).tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw Failure(description: "cannot write in \(folder): \(reason(errno))") }
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
      throw Failure(description: "cannot write \(url.path): \(reason(failure))")
    }
  }

  private static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}
