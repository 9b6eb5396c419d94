import Foundation
import TinyTransformer

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

/// Writes a file atomically (see `AtomicFile`): a failure leaves no file and never a half-written or clobbered one.
func writeAtomically(_ text: String, to path: String) throws(CommandError) {
  do throws(AtomicFile.Failure) {
    try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: path))
  } catch {
    throw .input(error.description)
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
