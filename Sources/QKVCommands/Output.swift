import Foundation

/// Where a command writes: standard output and standard error, replaceable in tests.
public struct Output: Sendable {
  public var out: @Sendable (String) -> Void
  public var err: @Sendable (String) -> Void

  public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void) {
    self.out = out
    self.err = err
  }

  /// The process's standard output and standard error.
  public static let standard = Output(
    out: { FileHandle.standardOutput.write(Data($0.utf8)) },
    err: { FileHandle.standardError.write(Data($0.utf8)) })
}

/// Why a command stopped: a usage mistake (exit 2, with the usage line) or bad input (exit 1, with the reason).
enum CommandError: Error {
  /// Wrong arguments for `command`; the message says what, the usage line how.
  case usage(command: Command, String)
  /// A file or value that cannot be used; shown as `qkv: message`.
  case input(String)
  /// A failure whose message is complete as it is (lines of `file:line: message`, a terminal problem); exit 1.
  case verbatim(String)
  /// Stop with this status and no message (e.g. 130 after Ctrl-C, the terminal already restored).
  case exit(Int32)
}

/// Writes a file atomically: a temporary file beside it, flushed, then renamed over the target, so a failure
/// leaves no file and never a half-written or clobbered one.
func writeAtomically(_ text: String, to path: String) throws(CommandError) {
  let target = URL(fileURLWithPath: path)
  let folder = target.deletingLastPathComponent().path
  var isFolder: ObjCBool = false
  guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
    throw .input("cannot write \(path): the folder \(folder) does not exist")
  }
  if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
    throw .input("cannot write \(path): it is a folder")
  }
  let temporary = folder + "/." + target.lastPathComponent + ".tmp-\(getpid())"
  let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
  guard fd >= 0 else { throw .input("cannot write \(path): \(String(cString: strerror(errno)))") }
  var bytes = Array(text.utf8)
  var written = 0
  var failure: Int32 = 0
  while written < bytes.count {
    let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
    if n < 0 {
      if errno == EINTR { continue }
      failure = errno
      break
    }
    written += n
  }
  bytes = []
  if failure == 0, fsync(fd) != 0 { failure = errno }
  close(fd)
  if failure == 0, rename(temporary, path) != 0 { failure = errno }
  if failure != 0 {
    unlink(temporary)
    throw .input("cannot write \(path): \(String(cString: strerror(failure)))")
  }
}

/// Reads a whole text file, or explains why not.
func readFile(_ path: String) throws(CommandError) -> String {
  var isFolder: ObjCBool = false
  guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
    throw .input("cannot read \(path): no such file")
  }
  if isFolder.boolValue { throw .input("cannot read \(path): it is a folder") }
  guard let data = FileManager.default.contents(atPath: path) else {
    throw .input("cannot read \(path): permission denied or unreadable")
  }
  guard let text = String(data: data, encoding: .utf8) else { throw .input("cannot read \(path): not UTF-8 text") }
  return text
}
