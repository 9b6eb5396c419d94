import Foundation
import Testing
import TinyTransformer
@testable import Lessons

/// A small lesson with its parts in known places (lines numbered in the comments of the tests).
let sampleLesson = """
---
text: the cat sat on the mat
d_model: 8
heads: 2
causal: off
seed: 7
---

# Sample lesson

It is about
two things.

## First step

Some prose
over two lines.

- a list item
- another

stage: softmax
focus: probs
head: 1
select: sat, cat
set: scale off, residual off
edit: q_linear, o_linear.bias
challenge: probs[head 1]["sat","cat"] > 0.9
hint: Push q_linear.bias.
solution: q_linear.bias[4] = 8
claim: sum(probs[head 1]["sat",:]) == 1

## Second step

```
stage: not a directive inside a fence
```

stage: loss
focus: q_linear.bias
select: 3
edit: none
"""

@Suite struct ParserTests {
  @Test func frontMatterBuildsTheBlockFromTheWords() throws {
    let lesson = try Lesson.parse(sampleLesson, file: "lessons/04-sample.md")
    #expect(lesson.title == "Sample lesson")
    #expect(lesson.summary == "It is about two things.")
    #expect(lesson.number == 4)
    #expect(lesson.file == "lessons/04-sample.md")
    #expect(lesson.vocabulary == ["the", "cat", "sat", "on", "mat"])
    #expect(lesson.tokens == [0, 1, 2, 3, 0, 4])
    #expect(lesson.targets == [1, 2, 3, 0, 4, 0])
    var expected = BlockConfig()
    expected.dModel = 8
    expected.heads = 2
    expected.causal = false
    expected.seed = 7
    expected.seqLen = 6
    expected.vocabSize = 5
    expected.tokens = [0, 1, 2, 3, 0, 4]
    expected.targets = [1, 2, 3, 0, 4, 0]
    #expect(lesson.config == expected)
    #expect(lesson.words == ["the", "cat", "sat", "on", "the", "mat"])
  }

  @Test func aStepCarriesItsDirectives() throws {
    let lesson = try Lesson.parse(sampleLesson, file: "x.md")
    #expect(lesson.steps.count == 2)
    let step = lesson.steps[0]
    #expect(step.title == "First step")
    #expect(step.line == 14)
    #expect(step.prose == "Some prose over two lines.\n\n- a list item\n- another")
    #expect(step.stage == .softmax)
    #expect(step.focus == "probs")
    #expect(step.head == 1)
    #expect(step.entry?.row == 2 && step.entry?.column == 1)
    #expect(step.toggles == ["scale": false, "residual": false])
    #expect(step.editable == ["q_linear.weight", "q_linear.bias", "o_linear.bias"])
    #expect(step.challenges.map(\.source) == ["probs[head 1][\"sat\",\"cat\"] > 0.9"])
    #expect(step.challenges.first?.line == 28)
    #expect(step.challenges.first?.hint == "Push q_linear.bias.")
    #expect(step.challenges.first?.solution != nil)
    #expect(step.claims.map(\.line) == [31])
    let config = lesson.config(for: step)
    #expect(!config.scale && !config.residual && !config.causal)
  }

  @Test func fencesKeepDirectivesAsProseAndVectorsTakeOneIndex() throws {
    let step = try Lesson.parse(sampleLesson, file: "x.md").steps[1]
    #expect(step.prose == "```\nstage: not a directive inside a fence\n```")
    #expect(step.stage == .loss)
    #expect(step.entry?.row == 0 && step.entry?.column == 3)
    #expect(step.editable == [])
    #expect(step.toggles.isEmpty && step.challenges.isEmpty)
  }

  @Test func explicitTargetsAndALargerVocabularyAddLabels() throws {
    let text = "---\ntext: a b a\ntargets: b a stop\nvocab_size: 5\n---\n# T\n## S\nstage: loss\nfocus: logits\nselect: 2, stop\n"
    let lesson = try Lesson.parse(text, file: "t.md")
    #expect(lesson.vocabulary == ["a", "b", "stop", "#3", "#4"])
    #expect(lesson.tokens == [0, 1, 0])
    #expect(lesson.targets == [1, 0, 2])
    #expect(lesson.config.vocabSize == 5)
    #expect(lesson.steps[0].entry?.row == 2 && lesson.steps[0].entry?.column == 2)
    #expect(lesson.number == nil)
    #expect(lesson.label(ofID: 4) == "#4" && lesson.label(ofID: 9) == "9")
  }

  @Test func windowsLineEndingsAndTrueFalseReadTheSame() throws {
    let unix = "---\ntext: x y\ncausal: false\n---\n# T\n## S\nstage: tokens\n"
    let windows = unix.replacingOccurrences(of: "\n", with: "\r\n").replacingOccurrences(of: "false", with: "off")
    let a = try Lesson.parse(unix, file: "a.md")
    let b = try Lesson.parse(windows, file: "a.md")
    #expect(a.config == b.config && !a.config.causal)
    #expect(b.steps[0].title == "S")
  }
}
