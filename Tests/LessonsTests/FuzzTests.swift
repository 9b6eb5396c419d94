import Foundation
import Testing
import TinyTransformer
@testable import Lessons

/// Seeded random inputs: the parser must answer every one with a lesson or a LessonError, never a crash.
@Suite struct FuzzTests {
  @Test func randomBytesNeverCrashTheParser() {
    var rng = SeededGenerator(seed: 4)
    var errors = 0
    for _ in 0..<1500 {
      let count = Int(rng.next() % 400)
      var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      // Half the cases start like a lesson, so the fuzz reaches past the first line.
      if rng.next() % 2 == 0 { bytes = Array("---\ntext: a b\n".utf8) + bytes }
      do {
        _ = try Lesson.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.md")
      } catch {
        errors += 1
        #expect(error.description.hasPrefix("fuzz.md:"))
      }
    }
    #expect(errors > 1000)
  }

  @Test func mutationsOfRealLessonsNeverCrashTheParser() throws {
    let texts = try LessonLibrary.files(in: shippedDirectory).map { try String(contentsOf: $0, encoding: .utf8) }
    #expect(!texts.isEmpty)
    var rng = SeededGenerator(seed: 11)
    let pieces = ["[", "]", ",", ":", "\"", "head ", "grad ", "-", "9", "0", "99999999999999999999", "\n", "## ",
                  "# ", "---", "stage: ", "select: ", "challenge: ", "solution: ", "train 3", "*= 1e300",
                  "vocab_size: 4096", "d_model: 100000", "heads: 0", "(", ")", "and", "==", "ü", "\r\n", "```"]
    var parsed = 0
    for _ in 0..<3000 {
      var chars = Array(texts[Int(rng.next() % UInt64(texts.count))])
      for _ in 0..<(1 + Int(rng.next() % 4)) {
        guard !chars.isEmpty else { break }
        let at = Int(rng.next() % UInt64(chars.count))
        switch rng.next() % 4 {
        case 0: chars.remove(at: at)
        case 1: chars.insert(contentsOf: pieces[Int(rng.next() % UInt64(pieces.count))], at: at)
        case 2: chars[at] = Character(Unicode.Scalar(UInt8(32 + rng.next() % 95)))
        default:
          // Swap two lines' worth of text: moves directives between steps and into the front matter.
          let other = Int(rng.next() % UInt64(chars.count))
          chars.swapAt(at, other)
        }
      }
      do {
        let lesson = try Lesson.parse(String(chars), file: "m.md")
        parsed += 1
        // Whatever parsed must be usable: every selected entry lies inside its focused tensor.
        for step in lesson.steps {
          guard let focus = step.focus, let entry = step.entry,
                let spec = TensorSpec.named(focus, config: lesson.config)
                  ?? TensorSpec.shown(for: lesson.config).first(where: { $0.name == focus }) else { continue }
          let shape = spec.isPerHead ? Array(spec.shape.dropFirst()) : spec.shape
          #expect(shape.count == 1 ? entry.row == 0 && entry.column < shape[0] : entry.row < shape[0] && entry.column < shape[1])
        }
      } catch {
        #expect(error.line >= 1)
      }
    }
    // Most single mutations leave a lesson that still parses: the fuzz exercised the whole parser.
    #expect(parsed > 300)
  }

  @Test func randomExpressionsNeverCrashTheEvaluator() throws {
    let text = "---\ntext: the cat sat on the mat\nd_model: 4\nheads: 2\n---\n# T\n## S\nstage: scores\n"
    let lesson = try Lesson.parse(text, file: "f.md")
    let parameters = Parameters(initializedFor: lesson.config)
    let trace = Block.trace(config: lesson.config, parameters: parameters, tokens: lesson.tokens, targets: lesson.targets)
    let atoms = ["probs", "[head 1]", "[head 9]", "[", "]", "\"sat\"", "cat", "0", "5", "99", ":", "2:4", ",", "grad ",
                 "Q", "x", "loss", "max(", "dot(", "abs(", ")", "<", ">=", "==", "and", "+", "*", "/", "-", "1e-3",
                 "q_linear.weight", "position", "logits"]
    var rng = SeededGenerator(seed: 5)
    for _ in 0..<3000 {
      let source = (0..<(1 + Int(rng.next() % 12))).map { _ in atoms[Int(rng.next() % UInt64(atoms.count))] }.joined()
      let challenge = Challenge(source: source, line: 1)
      _ = challenge.isMet(trace: trace, parameters: parameters, vocabulary: lesson.vocabulary)
      _ = challenge.progress(trace: trace, parameters: parameters, vocabulary: lesson.vocabulary)
      _ = try? Solution(parsing: source)
    }
  }
}
