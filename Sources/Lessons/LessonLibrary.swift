import Foundation
import TinyTransformer

/// The lessons folder and the lessons in it.
public enum LessonLibrary {
  /// The lessons folder: `$QKV_LESSONS`, else `./lessons`, else the repository's `lessons/` qkv was built from.
  public static func directory() -> URL? {
    var candidates: [URL] = []
    if let env = ProcessInfo.processInfo.environment["QKV_LESSONS"], !env.isEmpty {
      candidates.append(URL(fileURLWithPath: env))
    }
    candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("lessons"))
    // This file is Sources/Lessons/LessonLibrary.swift; the folder is two levels up.
    candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("lessons"))
    return candidates.first { url in
      var isDirectory: ObjCBool = false
      return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
  }

  /// The lesson files of a folder (`NN-slug.md`), ordered by number, then name.
  public static func files(in directory: URL) -> [URL] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { $0.hasSuffix(".md") && lessonNumber(fileName: $0) != nil }
      .sorted { (lessonNumber(fileName: $0) ?? 0, $0) < (lessonNumber(fileName: $1) ?? 0, $1) }
      .map { directory.appendingPathComponent($0) }
  }

  /// Every lesson of the folder, ordered by number; the first file that does not parse is thrown.
  public static func all() throws(LessonError) -> [Lesson] {
    guard let directory = directory() else { throw missingDirectory }
    var out: [Lesson] = []
    for url in files(in: directory) { out.append(try Lesson.load(path: url.path)) }
    return out
  }

  /// A lesson by number (`3`), slug (`scores`), file name (`03-scores.md`) or path.
  public static func find(_ name: String) throws(LessonError) -> Lesson {
    if name.contains("/") || FileManager.default.fileExists(atPath: name) && name.hasSuffix(".md") {
      return try Lesson.load(path: name)
    }
    guard let directory = directory() else { throw missingDirectory }
    let files = files(in: directory)
    let match = files.first { url in
      let file = url.lastPathComponent
      let stem = String(file.dropLast(3))
      let slug = String(stem.drop { $0 != "-" }.dropFirst())
      if let n = Int(name) { return lessonNumber(fileName: file) == n }
      return file == name || stem == name || slug == name
    }
    guard let match else {
      let known = files.map { String($0.lastPathComponent.dropLast(3)) }.joined(separator: ", ")
      throw LessonError(file: name, line: 0, message: "no such lesson in \(directory.path) (lessons: \(known))")
    }
    return try Lesson.load(path: match.path)
  }

  private static var missingDirectory: LessonError {
    LessonError(file: "lessons", line: 0, message: "no lessons folder found: set QKV_LESSONS or run qkv where lessons/ is")
  }
}

/// Validates lesson files: one `file:line: message` per failing file (its first problem); empty when all are good.
/// A folder is checked file by file; a `README.md` is skipped (it documents the format).
public func checkLessons(paths: [String]) -> [String] {
  var files: [String] = []
  for path in paths {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
      files += LessonLibrary.files(in: URL(fileURLWithPath: path)).map(\.path)
    } else if URL(fileURLWithPath: path).lastPathComponent.lowercased() != "readme.md" {
      files.append(path)
    }
  }
  return files.compactMap { path -> String? in
    do throws(LessonError) {
      try Lesson.load(path: path).verify()
      return nil
    } catch {
      return error.description
    }
  }
}

extension Lesson {
  /// The checks that need the model: every claim true with the seeded parameters (and the step's switches),
  /// every challenge not yet met there, and every stated solution reaching its challenge.
  public func verify() throws(LessonError) {
    let seeded = Parameters(initializedFor: config)
    for step in steps {
      let config = self.config(for: step)
      let trace = Block.trace(config: config, parameters: seeded, tokens: tokens, targets: targets)
      for claim in step.claims where !claim.condition.isMet(trace: trace, parameters: seeded) {
        let now = claim.condition.describe(trace: trace, parameters: seeded) ?? "cannot be evaluated"
        throw LessonError(file: file, line: claim.line, message: "claim is false for the lesson's numbers: \(now)")
      }
      for challenge in step.challenges {
        guard let condition = challenge.condition else { continue }
        if condition.isMet(trace: trace, parameters: seeded) {
          let now = condition.describe(trace: trace, parameters: seeded) ?? ""
          throw LessonError(file: file, line: challenge.line, message: "challenge is already met at the start: \(now)")
        }
        guard let solution = challenge.solution else { continue }
        let (solved, solvedConfig) = solution.applied(to: seeded, config: config, tokens: tokens, targets: targets)
        let after = Block.trace(config: solvedConfig, parameters: solved, tokens: tokens, targets: targets)
        if !condition.isMet(trace: after, parameters: solved) {
          let now = condition.describe(trace: after, parameters: solved) ?? "cannot be evaluated"
          throw LessonError(file: file, line: challenge.line, message: "the solution does not reach the challenge: after it, \(now)")
        }
      }
    }
  }
}
