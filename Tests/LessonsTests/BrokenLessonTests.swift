import Foundation
import Testing
@testable import Lessons

/// A valid lesson with `lines` appended to its one step: with the default three-line header they start at line 12.
private func lesson(step lines: String, header: String = "text: the cat sat on the mat\nd_model: 4\nheads: 2") -> String {
  "---\n\(header)\n---\n\n# Broken\n\n## The step\n\nProse.\n\(lines)\n"
}

/// Each broken file and the exact report `qkv check` gives for it.
private let broken: [(text: String, expected: String)] = [
  (lesson(step: "stage: scores\nfocus: probz"),
   "b.md:13: focus: no tensor named \"probz\" (parameters: embedding.weight, position.weight, q_linear.weight, q_linear.bias, k_linear.weight, k_linear.bias, v_linear.weight, v_linear.bias, o_linear.weight, o_linear.bias, ffn1.weight, ffn1.bias, ffn2.weight, ffn2.bias, output.weight, output.bias; activations: embedded, position, x, Q, K, V, scores, probs, attention, attn_out, h1, ffn_pre, ffn_hidden, ffn_out, y, logits); shown on screen: mask, masked"),
  (lesson(step: "stage: scorez"),
   "b.md:12: unknown stage \"scorez\" (stages: tokens, embedding, qkv, scores, mask, softmax, attention, output, residual, ffn, loss, backward, graph, gradcheck, training)"),
  (lesson(step: "stage: scores\nzoom: 2"),
   "b.md:13: unknown directive \"zoom:\" (directives: stage, focus, head, select, set, edit, challenge, hint, solution, claim); a prose line cannot start with a lower-case word and a colon"),
  (lesson(step: "stage: scores\nhead: 2"),
   "b.md:13: head 2 is out of range: this block has 2 heads (0…1)"),
  (lesson(step: "stage: scores\nfocus: Q\nselect: 6, 0"),
   "b.md:14: select: index 6 is out of range for Q: it has 6 positions (0…5)"),
  (lesson(step: "stage: scores\nfocus: Q\nselect: -1, 0"),
   "b.md:14: select: index -1 is out of range for Q: it has 6 positions (0…5)"),
  (lesson(step: "stage: scores\nfocus: logits\nselect: the, cat"),
   "b.md:14: select: \"the\" is at positions 0 and 4: use a number for the position"),
  (lesson(step: "stage: scores\nfocus: Q\nselect: cat, cat"),
   "b.md:14: select: \"cat\" is a word, but this axis counts dimensions: use a number"),
  (lesson(step: "stage: scores\nselect: 1, 1"),
   "b.md:13: select: picks an entry of the focused tensor: add a focus: line"),
  (lesson(step: "stage: scores\nchallenge: probs[head 1][\"sat\",\"cat\"] >"),
   "b.md:13: challenge: expected a number, loss, a tensor or a function such as max(…), found the end of the line"),
  (lesson(step: "stage: scores\nchallenge: probs[\"sat\",\"cat\"] > 0.5"),
   "b.md:13: challenge: probs has 2 heads: name one, e.g. probs[head 0][…]"),
  (lesson(step: "stage: scores\nchallenge: probs[head 0][\"sat\",\"dog\"] > 0.5"),
   "b.md:13: challenge: \"dog\" is not a word of this lesson (words: \"the\", \"cat\", \"sat\", \"on\", \"mat\")"),
  (lesson(step: "stage: scores\nchallenge: q_linear.weight[0,9] > 1"),
   "b.md:13: challenge: index 9 is out of range for q_linear.weight: it has 4 dimensions (0…3)"),
  (lesson(step: "stage: scores\nchallenge: Q[1] > 1"),
   "b.md:13: challenge: Q has 2 axes (shape [6, 4]) but 1 index was given"),
  (lesson(step: "stage: scores\nchallenge: Q > 1"),
   "b.md:13: challenge: Q is more than one number: pick one entry, e.g. Q[0,0], or reduce it with max(…), min(…), sum(…), mean(…) or norm(…)"),
  (lesson(step: "stage: scores\nchallenge: loss = 1"),
   "b.md:13: challenge: expected <, <=, >, >= or == after the first value, found ="),
  (lesson(step: "stage: scores\nchallenge: softmax(Q) > 1"),
   "b.md:13: challenge: unknown function softmax( (functions: abs, sqrt, exp, log, max, min, sum, mean, norm, dot)"),
  (lesson(step: "stage: scores\nclaim: grad position[0,0] > 1"),
   "b.md:13: claim: the position activation has no gradient of its own: use grad position.weight"),
  (lesson(step: "stage: scores\nhint: try harder"),
   "b.md:13: hint: belongs to a challenge: put it after the challenge: line"),
  (lesson(step: "stage: scores\nchallenge: loss < 1\nsolution: Q[0,0] = 1"),
   "b.md:14: solution: a solution changes parameters; Q[0,0] is not one"),
  (lesson(step: "stage: scores\nchallenge: loss < 1\nsolution: train many"),
   "b.md:14: solution: train needs a whole number of steps from 1 to 100000, found many"),
  (lesson(step: "stage: scores\nset: positional off"),
   "b.md:13: positional changes which parameters exist: set it in the front matter"),
  (lesson(step: "stage: scores\nset: causal maybe"),
   "b.md:13: set: causal must be on or off, not \"maybe\""),
  (lesson(step: "stage: scores\nedit: q_linear.wieght"),
   "b.md:13: edit: \"q_linear.wieght\" is not a parameter or layer of this block (parameters: embedding.weight, position.weight, q_linear.weight, q_linear.bias, k_linear.weight, k_linear.bias, v_linear.weight, v_linear.bias, o_linear.weight, o_linear.bias, ffn1.weight, ffn1.bias, ffn2.weight, ffn2.bias, output.weight, output.bias)"),
  (lesson(step: "stage: scores\nstage: loss"),
   "b.md:13: this step already has a stage: (line 12)"),
  (lesson(step: "focus: Q"),
   "b.md:9: the step \"The step\" has no stage: line (stages: tokens, embedding, qkv, scores, mask, softmax, attention, output, residual, ffn, loss, backward, graph, gradcheck, training)"),
  (lesson(step: "stage: scores\nfocus:"),
   "b.md:13: focus: needs a value"),
  // The front matter.
  (lesson(step: "stage: scores", header: "text: a b\nheads: 3\nd_model: 4"),
   "b.md:3: heads (3) must divide d_model (4) evenly"),
  (lesson(step: "stage: scores", header: "text: a b\nd_model: four"),
   "b.md:3: d_model must be an integer, not \"four\""),
  (lesson(step: "stage: scores", header: "text: a b\ncolour: red"),
   "b.md:3: unknown key \"colour\" (keys: text, targets, vocab_size, d_model, heads, d_ff, seq_len, causal, scale, residual, positional, seed, steps, lr)"),
  (lesson(step: "stage: scores", header: "d_model: 4"),
   "b.md:1: the lesson needs an input: a key text: with the words, e.g. text: the cat sat on the mat"),
  (lesson(step: "stage: scores", header: "text: a b\ntokens: [0, 1]"),
   "b.md:3: a lesson gives its input as words: use text: instead of tokens:"),
  (lesson(step: "stage: scores", header: "text: a b c\nseq_len: 4"),
   "b.md:3: seq_len is 4 but text: has 3 words (leave seq_len out: the words decide it)"),
  (lesson(step: "stage: scores", header: "text: a b c\nvocab_size: 2"),
   "b.md:3: vocab_size is 2 but the lesson has 3 distinct words"),
  (lesson(step: "stage: scores", header: "text: a b c\ntargets: b c"),
   "b.md:3: targets: has 2 words but text: has 3"),
  (lesson(step: "stage: scores", header: "text: a b\ntext: c d"),
   "b.md:3: text is given twice (first on line 2)"),
  (lesson(step: "stage: scores", header: "text: a b\nlr: -1"),
   "b.md:3: lr must be a finite number ≥ 0, got -1.0"),
  // The shape of the file.
  ("# No front matter\n## S\nstage: scores\n",
   "b.md:1: a lesson starts with front matter: a line ---, the block's keys (text: …), and --- again"),
  ("---\ntext: a b\nTitle\n---\n",
   "b.md:3: expected key: value in the front matter (or --- to close it)"),
  // A # line in the front matter is a comment, so this one is never closed.
  ("---\ntext: a b\n# Title\n## S\nstage: scores\n",
   "b.md:1: the front matter opened here is never closed with ---"),
  ("---\ntext: a b\n",
   "b.md:1: the front matter opened here is never closed with ---"),
  ("---\ntext: a b\n---\n\n# Title\n\nOnly a summary.\n",
   "b.md:8: the lesson has no steps: each step starts with a heading ## Title"),
  ("---\ntext: a b\n---\nNo title.\n## S\nstage: scores\n",
   "b.md:4: expected the lesson's title, a line # Title"),
  ("---\ntext: a b\n---\n# Title\nstage: scores\n## S\nstage: scores\n",
   "b.md:5: stage: comes before the first step (a step starts with a heading ## Title)"),
  ("---\ntext: a b\n---\n# Title\n## S\nstage: scores\n# Another title\n",
   "b.md:7: a lesson has one title (# …); a step's heading starts with ##"),
  ("---\ntext: a b\n---\n# Title\n##   \nstage: scores\n",
   "b.md:5: a step heading needs a title: ## Title"),
]

@Suite struct BrokenLessonTests {
  @Test(arguments: broken.indices)
  func aBrokenLessonIsReportedWithItsFileAndLine(_ k: Int) {
    do {
      _ = try Lesson.parse(broken[k].text, file: "b.md")
      Issue.record("case \(k) parsed, expected \(broken[k].expected)")
    } catch {
      #expect(error.description == broken[k].expected)
    }
  }

  /// The checks that need the model: a false claim, a challenge met at the start, a solution that falls short.
  @Test func theCheckerRunsClaimsChallengesAndSolutions() throws {
    let cases = [
      ("stage: scores\nclaim: loss < 0.01", "b.md:13: claim is false for the lesson's numbers"),
      ("stage: scores\nchallenge: loss > 0.01", "b.md:13: challenge is already met at the start"),
      ("stage: scores\nchallenge: loss < 0.01\nsolution: train 1", "b.md:13: the solution does not reach the challenge"),
    ]
    for (step, prefix) in cases {
      let parsed = try Lesson.parse(lesson(step: step), file: "b.md")
      do {
        try parsed.verify()
        Issue.record("\(step) verified")
      } catch {
        #expect(error.description.hasPrefix(prefix), "\(error)")
      }
    }
    try Lesson.parse(lesson(step: "stage: scores\nclaim: loss > 0.01\nchallenge: loss < 1.5\nsolution: train 20"), file: "b.md").verify()
  }

  @Test func checkLessonsReportsEachFailingFileOnce() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qkv-lessons-check-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let good = directory.appendingPathComponent("01-good.md")
    let bad = directory.appendingPathComponent("02-bad.md")
    try lesson(step: "stage: scores").write(to: good, atomically: true, encoding: .utf8)
    try lesson(step: "stage: scorez\nfocus: nothing").write(to: bad, atomically: true, encoding: .utf8)
    try Data([0xff, 0xfe, 0x00]).write(to: directory.appendingPathComponent("03-binary.md"))
    let missing = directory.appendingPathComponent("04-missing.md").path
    let problems = checkLessons(paths: [directory.path, missing])
    #expect(problems.count == 3)
    #expect(problems.first?.hasPrefix("\(bad.path):12: unknown stage") == true)
    #expect(problems.dropFirst().first == "\(directory.appendingPathComponent("03-binary.md").path): not UTF-8 text")
    #expect(problems.last == "\(missing): cannot read the file (no such file)")
    #expect(checkLessons(paths: [good.path]) == [])
  }
}
