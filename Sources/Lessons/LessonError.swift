/// A problem in a lesson file (or a demo script), reported as `file:line: message` (just `file: message` when it
/// concerns the whole file, line 0).
public struct LessonError: Error, Equatable, CustomStringConvertible {
  public let file: String
  /// 1-based; 0 when no one line is to blame (an unreadable file).
  public let line: Int
  public let message: String

  public init(file: String, line: Int, message: String) {
    self.file = file
    self.line = line
    self.message = message
  }

  public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}
