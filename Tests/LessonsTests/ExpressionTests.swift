import Foundation
import Testing
import TinyTransformer
@testable import Lessons

/// A two-head block over a short text, and a way to read a term's value against it.
private struct Fixture {
  let lesson: Lesson
  let parameters: Parameters
  let trace: Trace

  init(causal: Bool = true) throws {
    let text = "---\ntext: the cat sat on the mat\nd_model: 8\nheads: 2\nd_ff: 8\nseed: 3\ncausal: \(causal)\n---\n# T\n## S\nstage: scores\n"
    lesson = try Lesson.parse(text, file: "f.md")
    parameters = Parameters(initializedFor: lesson.config)
    trace = Block.trace(config: lesson.config, parameters: parameters, tokens: lesson.tokens, targets: lesson.targets)
  }

  var scope: Scope { Scope(config: lesson.config, labels: WordLabels(vocabulary: lesson.vocabulary, tokens: lesson.tokens)) }

  /// The value of `term`, read through the condition `term < +∞`.
  func value(_ term: String) throws -> Double? {
    let condition = try Condition(parsing: "\(term) < 1e308").resolved(in: scope)
    return Model(trace: trace, parameters: parameters).value(condition.comparisons[0].lhs)
  }

  func holds(_ source: String) throws -> Bool {
    try Condition(parsing: source).resolved(in: scope).isMet(trace: trace, parameters: parameters)
  }
}

@Suite struct ExpressionTests {
  @Test func entriesReadTheRightNumbers() throws {
    let f = try Fixture()
    let probs = try #require(f.trace.activations["probs"])
    // sat is position 2, cat position 1; head 1 is the second [T,T] slice.
    #expect(try f.value("probs[head 1][\"sat\",\"cat\"]") == probs.slice(1)[2, 1])
    #expect(try f.value("probs[head 1][sat, cat]") == probs.slice(1)[2, 1])
    #expect(try f.value("probs[head 0][2,1]") == probs.slice(0)[2, 1])
    #expect(try f.value("q_linear.weight[0,1]") == f.parameters["q_linear.weight"]?[0, 1])
    #expect(try f.value("grad q_linear.weight[0,1]") == f.trace.gradients["q_linear.weight"]?[0, 1])
    #expect(try f.value("grad probs[head 1][3,0]") == f.trace.activationGradients["probs"]?.slice(1)[3, 0])
    #expect(try f.value("output.bias[\"mat\"]") == f.parameters["output.bias"]?.data[4])
    // logits: rows are positions, columns token ids, so "sat","on" is row 2, column 3.
    #expect(try f.value("logits[\"sat\",\"on\"]") == f.trace.activations["logits"]?[2, 3])
    #expect(try f.value("loss") == f.trace.loss)
    #expect(try f.value("loss[\"sat\"]") == f.trace.tokenLosses[2])
    #expect(try f.value("loss[5]") == f.trace.tokenLosses[5])
  }

  @Test func arithmeticFunctionsAndReductions() throws {
    let f = try Fixture()
    let q = try #require(f.trace.activations["Q"])
    let k = try #require(f.trace.activations["K"])
    let row = Array(q.row(2)[4..<8])
    let dot = zip(row, k.row(1)[4..<8]).reduce(0) { $0 + $1.0 * $1.1 }
    #expect(try f.value("dot(Q[2,4:8], K[1,4:8])") == dot)
    #expect(try f.value("max(Q[2,:])") == q.row(2).max())
    #expect(try f.value("min(Q[:,3])") == (0..<6).map { q[$0, 3] }.min())
    #expect(try f.value("sum(Q[2,4:8])") == row.reduce(0, +))
    #expect(try f.value("mean(Q[2,4:8])") == row.reduce(0, +) / 4)
    #expect(try f.value("norm(Q)") == q.data.reduce(0) { $0 + $1 * $1 }.squareRoot())
    #expect(try f.value("2 + 3 * 4 - 8 / 2") == 10)
    #expect(try f.value("-(1 - 3) * 2") == 4)
    #expect(try f.value("abs(-2) + sqrt(16) + exp(0) + log(1)") == 7)
    #expect(try f.value("--1") == 1)
    // The scores of head 1 are its columns of Q and K, divided by √d_k = 2.
    #expect(try f.holds("scores[head 1][2,1] == dot(Q[2,4:8], K[1,4:8]) / 2"))
    #expect(try !f.holds("scores[head 1][2,1] == dot(Q[2,0:4], K[1,0:4]) / 2"))
  }

  @Test func comparisonsAndAnd() throws {
    let f = try Fixture()
    #expect(try f.holds("1 < 2 and 2 <= 2 and 3 > 2 and 3 >= 3 and 1 == 1 + 1e-12"))
    #expect(try !f.holds("1 < 2 and 2 < 1"))
    #expect(try !f.holds("1 == 1.001"))
    #expect(try f.holds("1 ≤ 1 and 2 ≥ 1"))
    // The causal mask makes the weights above the diagonal exactly 0, and each row sums to 1.
    #expect(try f.holds("sum(probs[head 0][2,3:6]) == 0 and sum(probs[head 1][\"sat\",:]) == 1"))
    // A non-finite side never holds: log(0) = −∞.
    #expect(try !f.holds("log(0) < 1"))
    #expect(try !f.holds("1 / 0 > 1"))
  }

  @Test func aChallengeFromItsTextAloneResolvesWordsAgainstTheModel() throws {
    let f = try Fixture()
    let probs = try #require(f.trace.activations["probs"])
    let threshold = probs.slice(1)[2, 1]
    let above = Challenge(source: "probs[head 1][\"sat\",\"cat\"] > \(threshold - 1e-6)", line: 1)
    let below = Challenge(source: "probs[head 1][\"sat\",\"cat\"] > \(threshold + 1e-6)", line: 1)
    #expect(above.isMet(trace: f.trace, parameters: f.parameters, vocabulary: f.lesson.vocabulary))
    #expect(!below.isMet(trace: f.trace, parameters: f.parameters, vocabulary: f.lesson.vocabulary))
    // Without the vocabulary the words mean nothing, and a challenge that does not parse is never met.
    #expect(!above.isMet(trace: f.trace, parameters: f.parameters, vocabulary: nil))
    #expect(!Challenge(source: "probs >", line: 1).isMet(trace: f.trace, parameters: f.parameters, vocabulary: nil))
    #expect(above.progress(trace: f.trace, parameters: f.parameters, vocabulary: f.lesson.vocabulary)?.contains(" > ") == true)
  }

  @Test func solutionsEditTrainAndSwitch() throws {
    let f = try Fixture()
    let solution = try Solution(parsing: "q_linear.weight[0,1] = 2, q_linear.bias[1:3] += 1, o_linear.weight *= 0, ffn1.bias[0] -= 0.5")
      .resolved(in: f.scope)
    let (p, c) = solution.applied(to: f.parameters, config: f.lesson.config, tokens: f.lesson.tokens, targets: f.lesson.targets)
    #expect(p["q_linear.weight"]?[0, 1] == 2)
    #expect(p["q_linear.weight"]?[0, 0] == f.parameters["q_linear.weight"]?[0, 0])
    let bias = try #require(f.parameters["q_linear.bias"]).data
    var shifted = bias
    for i in 1..<3 { shifted[i] += 1 }
    #expect(p["q_linear.bias"]?.data == shifted)
    #expect(p["o_linear.weight"]?.data.allSatisfy { $0 == 0 } == true)
    #expect(p["ffn1.bias"]?.data[0] == (f.parameters["ffn1.bias"]?.data[0] ?? 0) - 0.5)
    #expect(c == f.lesson.config)

    let train = try Solution(parsing: "scale off, train 3 lr 0.05").resolved(in: f.scope)
    let (trained, switched) = train.applied(to: f.parameters, config: f.lesson.config, tokens: f.lesson.tokens, targets: f.lesson.targets)
    #expect(!switched.scale)
    // The same three steps taken by the block itself.
    let block = Block(config: switched, parameters: f.parameters, tokens: f.lesson.tokens, targets: f.lesson.targets)
    for _ in 0..<3 { block.trainStep(lr: 0.05) }
    for name in trained.names { #expect(trained[name] == block.parameters[name], "\(name)") }
  }

  @Test func aDivergingSolutionStopsInsteadOfTrapping() throws {
    let f = try Fixture()
    let (p, c) = try Solution(parsing: "train 50 lr 1000").resolved(in: f.scope)
      .applied(to: f.parameters, config: f.lesson.config, tokens: f.lesson.tokens, targets: f.lesson.targets)
    let after = Block.trace(config: c, parameters: p, tokens: f.lesson.tokens, targets: f.lesson.targets)
    #expect(!after.loss.isFinite)
    let challenge = Challenge(source: "loss < 10", line: 1)
    #expect(!challenge.isMet(trace: after, parameters: p, vocabulary: f.lesson.vocabulary))
  }

  @Test func parseErrorsSayWhatIsWrong() {
    let cases: [(String, String)] = [
      ("loss <", "expected a number, loss, a tensor or a function such as max(…), found the end of the line"),
      ("loss < 1 1", "unexpected 1.0 after a complete expression"),
      ("probs[head 0][\"sat\" > 1", "expected ] to close probs[…, found >"),
      ("probs[head x] > 1", "expected ] to close probs[…, found x"),
      ("probs[ > 1", "expected an index (a number, a word or :), found >"),
      ("Q[1.5, 0] > 0", "an index must be a whole number ≥ 0, found 1.5"),
      ("Q[3:1, 0] > 0", "a range 3:b needs a whole number b > 3, found 1.0"),
      ("\"open > 1", "a word in quotes is missing its closing \""),
      ("loss ! 1", "unexpected \"!\""),
      ("foo(1) > 1", "unknown function foo( (functions: abs, sqrt, exp, log, max, min, sum, mean, norm, dot)"),
      (String(repeating: "-", count: 100) + "1 > 0", "the expression nests too deeply"),
      (String(repeating: "(", count: 100) + "1 > 0", "the expression nests too deeply"),
      ("1e999 > 0", "1e999 is not a number"),
    ]
    for (source, message) in cases {
      #expect(throws: ExpressionError(message), "\(source)") { try Condition(parsing: source) }
    }
    #expect(throws: ExpressionError("train needs a whole number of steps from 1 to 100000, found 0.0")) {
      try Solution(parsing: "train 0")
    }
    #expect(throws: ExpressionError("expected =, +=, -= or *= after q_linear.weight, found the end of the line")) {
      try Solution(parsing: "q_linear.weight")
    }
  }
}
