import Foundation
import Testing
import TinyTransformer
@testable import Lessons

/// The repository's lessons folder, found from this file (Tests/LessonsTests/…).
let shippedDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().appendingPathComponent("lessons")

func shippedLessons() throws -> [Lesson] {
  try LessonLibrary.files(in: shippedDirectory).map { try Lesson.load(path: $0.path) }
}

/// The seeded block of a step: what the student sees when the step opens.
func openingTrace(_ lesson: Lesson, _ step: LessonStep) -> (Trace, Parameters, BlockConfig) {
  let config = lesson.config(for: step)
  let parameters = Parameters(initializedFor: config)
  return (Block.trace(config: config, parameters: parameters, tokens: lesson.tokens, targets: lesson.targets),
          parameters, config)
}

/// The block after a challenge's stated solution, applied to the step's opening parameters.
func solvedTrace(_ lesson: Lesson, _ solution: Solution, from parameters: Parameters, config: BlockConfig) -> (Trace, Parameters) {
  let (solved, solvedConfig) = solution.applied(to: parameters, config: config, tokens: lesson.tokens, targets: lesson.targets)
  return (Block.trace(config: solvedConfig, parameters: solved, tokens: lesson.tokens, targets: lesson.targets), solved)
}

@Suite struct ShippedLessonsTests {
  @Test func thereAreAtLeastThirteenLessonsNumberedInOrder() throws {
    let lessons = try shippedLessons()
    #expect(lessons.count >= 13)
    #expect(lessons.map(\.number) == Array(1...lessons.count).map(Optional.some))
    for lesson in lessons {
      #expect(!lesson.title.isEmpty && !lesson.summary.isEmpty, "\(lesson.file)")
      #expect(lesson.steps.allSatisfy { !$0.prose.isEmpty }, "\(lesson.file): a step without prose")
    }
  }

  @Test func everyShippedLessonPassesTheChecker() {
    #expect(checkLessons(paths: [shippedDirectory.path]) == [])
    // `qkv check lessons/*`: the README is skipped, the demos folder holds no lessons.
    let everything = (try? FileManager.default.contentsOfDirectory(atPath: shippedDirectory.path)) ?? []
    #expect(everything.contains("README.md") && everything.contains("demos"))
    #expect(checkLessons(paths: everything.map { shippedDirectory.appendingPathComponent($0).path }) == [])
  }

  @Test func everyLessonFromTheThirdOnHasAChallengeAndEveryChallengeASolution() throws {
    for lesson in try shippedLessons() {
      let challenges = lesson.steps.flatMap(\.challenges)
      if (lesson.number ?? 0) >= 3 { #expect(!challenges.isEmpty, "\(lesson.file) has no challenge") }
      for challenge in challenges {
        #expect(challenge.solution != nil, "\(lesson.file):\(challenge.line) has no solution")
        #expect(challenge.hint != nil, "\(lesson.file):\(challenge.line) has no hint")
      }
    }
  }

  /// Reachability, checked here step by step (not through `verify`): false when the step opens, true after the
  /// lesson's solution is applied to the seeded parameters.
  @Test func everyChallengeIsUnmetAtTheStartAndReachedByItsSolution() throws {
    var checked = 0
    for lesson in try shippedLessons() {
      for step in lesson.steps {
        let (trace, parameters, config) = openingTrace(lesson, step)
        for challenge in step.challenges {
          let place = "\(lesson.file):\(challenge.line)"
          #expect(!challenge.isMet(trace: trace, parameters: parameters, vocabulary: lesson.vocabulary), "\(place) is met at the start")
          guard let solution = challenge.solution else { continue }
          let (after, solved) = solvedTrace(lesson, solution, from: parameters, config: config)
          #expect(challenge.isMet(trace: after, parameters: solved, vocabulary: lesson.vocabulary), "\(place) is not reached by its solution")
          checked += 1
        }
      }
    }
    #expect(checked >= 20)
  }

  /// The same challenge text, parsed on its own (words resolved against the live model, as the explainer may
  /// do), agrees with the lesson's resolved form before and after the solution.
  @Test func challengesReadFromTheirTextAloneAgreeWithTheParsedOnes() throws {
    for lesson in try shippedLessons() {
      for step in lesson.steps {
        let (trace, parameters, config) = openingTrace(lesson, step)
        for challenge in step.challenges {
          let bare = Challenge(source: challenge.source, line: challenge.line)
          guard let solution = challenge.solution else { continue }
          let (after, solved) = solvedTrace(lesson, solution, from: parameters, config: config)
          #expect(bare.isMet(trace: trace, parameters: parameters, vocabulary: lesson.vocabulary) == false)
          #expect(bare.isMet(trace: after, parameters: solved, vocabulary: lesson.vocabulary), "\(lesson.file):\(challenge.line)")
        }
      }
    }
  }

  /// Claims are the prose's statements about the numbers: each must hold on the step's opening screen.
  @Test func everyClaimHoldsOnItsStepsOpeningNumbers() throws {
    var claims = 0
    for lesson in try shippedLessons() {
      for step in lesson.steps {
        let (trace, parameters, _) = openingTrace(lesson, step)
        for claim in step.claims {
          #expect(claim.condition.isMet(trace: trace, parameters: parameters), "\(lesson.file):\(claim.line): \(claim.source)")
          claims += 1
        }
      }
    }
    #expect(claims >= 40)
  }

  /// The explainer gives a step's prose 4 lines on an 80×24 terminal (78 columns), the challenge lines included
  /// (`Challenge: [✗] goal   [✗] goal`, wrapped at spaces under itself): what does not fit is cut off, so every
  /// step must fit.
  @Test func everyStepsProseFitsAnEightyColumnScreen() throws {
    func challengeLines(_ challenges: [Challenge], width: Int) -> Int {
      guard !challenges.isEmpty else { return 0 }
      let lead = "Challenge: ".count
      var lines = 1, used = lead
      func place(_ count: Int) {
        if used + count > width && used > lead {
          lines += 1
          used = lead
        }
        used += count
      }
      for (n, challenge) in challenges.enumerated() {
        if n > 0 { place(3) }
        place("[✗] ".count)
        for (k, word) in challenge.source.split(separator: " ").enumerated() { place(word.count + (k > 0 ? 1 : 0)) }
      }
      return lines
    }
    func wrappedLines(_ paragraph: Substring, width: Int) -> Int {
      var lines = 0, column = 0
      for word in paragraph.split(separator: " ") {
        if column > 0 && column + 1 + word.count <= width {
          column += 1 + word.count
        } else {
          lines += 1
          column = word.count
        }
      }
      return max(lines, 1)
    }
    for lesson in try shippedLessons() {
      for step in lesson.steps {
        let paragraphs = step.prose.components(separatedBy: "\n\n")
        let lines = paragraphs.map { wrappedLines(Substring($0.replacingOccurrences(of: "\n", with: " ")), width: 78) }
          .reduce(paragraphs.count - 1, +) + challengeLines(step.challenges, width: 78)
        #expect(lines <= 4, "\(lesson.file):\(step.line): \(step.title) needs \(lines) lines")
      }
    }
  }

  @Test func theFirstLessonsWordsBecomeTheDocumentedIds() throws {
    let lesson = try LessonLibrary.find("1")
    #expect(lesson.vocabulary == ["the", "cat", "sat", "on", "mat"])
    #expect(lesson.tokens == [0, 1, 2, 3, 0, 4])
    // Each word predicts the next; the last predicts the first.
    #expect(lesson.targets == [1, 2, 3, 0, 4, 0])
    #expect(lesson.config.seqLen == 6 && lesson.config.vocabSize == 5)
  }

  /// Lesson 11 says finite differences agree with back-propagation for its selected entry and for others.
  @Test func theGradientCheckLessonsClaimHolds() throws {
    let lesson = try LessonLibrary.find("gradcheck")
    let step = lesson.steps[0]
    let (trace, parameters, config) = openingTrace(lesson, step)
    for (name, row, column) in [(step.focus ?? "", step.entry?.row ?? 0, step.entry?.column ?? 0),
                                ("ffn2.weight", 1, 3), ("embedding.weight", 2, 1), ("output.bias", 0, 4)] {
      let shape = parameters[name]?.shape ?? []
      let index = shape.count == 2 ? row * shape[1] + column : column
      let numeric = GradientCheck.centralDifference(at: parameters[name]?.data[index] ?? 0) { w in
        var p = parameters
        p[name]?.data[index] = w
        return Block.trace(config: config, parameters: p, tokens: lesson.tokens, targets: lesson.targets).loss
      }
      let analytic = trace.gradients[name]?.data[index] ?? .nan
      #expect(GradientCheck.relativeError(analytic, numeric) < 1e-6, "\(name)[\(row),\(column)]: \(analytic) vs \(numeric)")
    }
  }

  /// Lesson 11's last step: moving k_linear.bias leaves the loss unchanged (its gradient is 0 for a reason).
  @Test func theKeyBiasDoesNotChangeTheLoss() throws {
    let lesson = try LessonLibrary.find("11")
    let (trace, parameters, config) = openingTrace(lesson, lesson.steps[2])
    var moved = parameters
    moved["k_linear.bias"]?.data[0] += 5
    let after = Block.trace(config: config, parameters: moved, tokens: lesson.tokens, targets: lesson.targets)
    #expect(abs(after.loss - trace.loss) < 1e-12)
  }
}
