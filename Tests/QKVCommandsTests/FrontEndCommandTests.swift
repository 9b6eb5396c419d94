import Foundation
import Testing
import TinyTransformer
import Terminal
import Explainer
@testable import QKVCommands

struct FrontEndCommandTests {
  /// The repository's lessons folder (the tests run from anywhere).
  static let lessonsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("lessons").path

  @Test func lessonsListsAtLeastTen() {
    let r = qkv("lessons")
    #expect(r.status == 0, "\(r.err)")
    let lines = r.out.split(separator: "\n")
    #expect(lines.count >= 10)
    #expect(lines.first?.hasPrefix("01 ") == true && lines.allSatisfy { $0.contains(".md, ") && $0.contains("step") })
  }

  @Test func checkPassesTheShippedLessonsAndReportsABrokenOne() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.lessonsFolder)
      .filter { $0.hasSuffix(".md") && $0.first?.isNumber == true }.map { "\(Self.lessonsFolder)/\($0)" }
    #expect(files.count >= 10)
    let ok = QKV.main(["check"] + files, output: Captured().output)
    #expect(ok == 0)

    let dir = scratchFolder()
    let original = try String(contentsOfFile: files.sorted()[2], encoding: .utf8)
    // Corrupt one directive by hand: a stage that does not exist.
    let lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let index = try #require(lines.firstIndex { $0.hasPrefix("stage:") })
    var broken = lines
    broken[index] = "stage: nowhere"
    write(broken.joined(separator: "\n"), "\(dir)/03-broken.md")
    let captured = Captured()
    let status = QKV.main(["check", files[0], "\(dir)/03-broken.md"], output: captured.output)
    #expect(status == 1)
    #expect(captured.err.hasPrefix("\(dir)/03-broken.md:\(index + 1): "), "\(captured.err)")
    #expect(captured.err.contains("nowhere"))
    #expect(qkv("check").status == 2)
  }

  @Test func renderPrintsTheStepOfALesson() {
    let r = qkv("render", "--lesson", "3", "--step", "2", "--width", "90", "--height", "26")
    #expect(r.status == 0, "\(r.err)")
    let lines = r.out.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    #expect(lines.count == 26 && lines.allSatisfy { $0.count <= 90 })
    #expect(r.out.contains("2/"))
    #expect(qkv("render", "--lesson", "3", "--step", "99").status == 1)
    #expect(qkv("render", "--step", "0").status == 2)
    #expect(qkv("render", "--lesson", "no-such-lesson").err.contains("no such lesson"))
  }

  @Test func renderOfTheTourShowsTheBlock() {
    let r = qkv("render", "--step", "3")
    #expect(r.status == 0 && r.out.contains("Q") && r.out.contains("K") && r.out.contains("V"))
    // Every stage of the tour renders, the last included.
    let last = qkv("render", "--step", "15")
    #expect(last.status == 0 && last.out.contains("15/15"), "\(last.err)")
    #expect(qkv("render", "--step", "16").status == 1)
  }

  @Test func exportOfALessonUsesItsWords() throws {
    let r = qkv("export", "--lesson", "1")
    #expect(r.status == 0)
    let doc = try JSON.parse(r.out)
    #expect(doc["format"] == .string("qkv-export/1"))
    #expect(doc["tokens"]?.array?.count == doc["config"]?["seq_len"]?.integer)
  }

  @Test func theExplainerNeedsATerminal() {
    // The real isatty check runs in the end-to-end test (stdout redirected); here the check is made to fail, so
    // the test never opens the explainer on whatever terminal `swift test` was started from.
    let captured = Captured()
    var status: Int32 = 0
    do throws(CommandError) {
      try FrontEndCommands.explain([], captured.output, terminal: { () throws(TerminalError) -> Capabilities in
        throw TerminalError.notATerminal(stream: "stdout")
      })
    } catch {
      if case .verbatim(let message) = error { status = 1; captured.output.err(message) }
    }
    #expect(status == 1)
    #expect(captured.err.contains("needs a terminal") && captured.err.contains("qkv render"), "\(captured.err)")
    // Bad arguments are refused before the terminal is touched.
    #expect(qkv("--step", "x").status == 2)
    #expect(qkv("--lesson", "nope").status == 1)
    #expect(qkv("--play", "/no/such.demo").status == 1)
  }
}
