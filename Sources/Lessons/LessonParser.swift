import Foundation
import TinyTransformer

// The lesson format (documented for authors in lessons/README.md):
//
//   ---                                   front matter: the block
//   text: the cat sat on the mat          the input, as words
//   d_model: 8                            any config key but tokens (targets: as words)
//   ---
//   # Title                               the lesson's title
//   Summary paragraph.
//   ## A step                             each step: a heading, prose, directives
//   Prose …
//   stage: scores                         `name: value` lines whose name is lower case are directives

extension Lesson {
  /// Reads and parses a lesson file.
  public static func load(path: String) throws(LessonError) -> Lesson {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw LessonError(file: path, line: 0, message: "cannot read the file (\(readReason(path)))")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw LessonError(file: path, line: 0, message: "not UTF-8 text")
    }
    return try parse(text, file: path)
  }

  /// Parses the text of a lesson; `file` names it in errors and its numeric prefix numbers the lesson.
  public static func parse(_ text: String, file: String) throws(LessonError) -> Lesson {
    var parser = LessonParser(file: file, text: text)
    return try parser.lesson()
  }
}

extension Lesson {
  /// The largest vocab_size a lesson may ask for (its ids beyond the words are labelled `#N`).
  public static let maxVocabulary = 4096
}

private func readReason(_ path: String) -> String {
  var isDirectory: ObjCBool = false
  guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
  return isDirectory.boolValue ? "it is a directory" : "permission denied"
}

/// The step directives, in the order the README lists them.
let stepDirectives = ["stage", "focus", "head", "select", "set", "edit", "challenge", "hint", "solution", "claim"]

/// The number before the first dash of a file name (`3` for `03-scores.md`).
func lessonNumber(fileName: String) -> Int? {
  let digits = fileName.prefix { $0.isASCII && $0.isNumber }
  guard !digits.isEmpty, fileName.dropFirst(digits.count).first == "-" else { return nil }
  return Int(digits)
}

private struct Line {
  let number: Int
  let text: String
}

/// A `name: value` line: a directive in a step, a key in the front matter.
private func keyValue(_ text: String) -> (key: String, value: String)? {
  guard let colon = text.firstIndex(of: ":") else { return nil }
  let key = text[..<colon]
  guard let first = key.first, first.isASCII, first.isLowercase,
        key.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else { return nil }
  let rest = text[text.index(after: colon)...]
  guard rest.isEmpty || rest.first?.isWhitespace == true else { return nil }
  return (String(key), rest.trimmingCharacters(in: .whitespaces))
}

private struct LessonParser {
  let file: String
  let lines: [Line]
  var index = 0

  init(file: String, text: String) {
    self.file = file
    // "\r\n" is one Character in Swift, so both line endings are separators.
    lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.enumerated().map { k, raw in
      Line(number: k + 1, text: String(raw))
    }
  }

  func error(_ line: Int, _ message: String) -> LessonError { LessonError(file: file, line: line, message: message) }

  private func isBlank(_ line: Line) -> Bool { line.text.allSatisfy(\.isWhitespace) }

  mutating func lesson() throws(LessonError) -> Lesson {
    while index < lines.count, isBlank(lines[index]) { index += 1 }
    guard index < lines.count, lines[index].text.trimmingCharacters(in: .whitespaces) == "---" else {
      throw error(index < lines.count ? lines[index].number : 1,
                  "a lesson starts with front matter: a line ---, the block's keys (text: …), and --- again")
    }
    let block = try frontMatter()
    let scope = Scope(config: block.config, labels: WordLabels(vocabulary: block.vocabulary, tokens: block.tokens))

    // The title, then the summary up to the first step.
    while index < lines.count, isBlank(lines[index]) { index += 1 }
    guard index < lines.count, lines[index].text.hasPrefix("# ") else {
      throw error(index < lines.count ? lines[index].number : lines.count, "expected the lesson's title, a line # Title")
    }
    let title = lines[index].text.dropFirst(2).trimmingCharacters(in: .whitespaces)
    guard !title.isEmpty else { throw error(lines[index].number, "the title is empty") }
    index += 1
    let summary = try prose(until: "## ", directivesAllowed: false)

    var steps: [LessonStep] = []
    while index < lines.count {
      steps.append(try step(scope: scope))
    }
    guard !steps.isEmpty else {
      throw error(lines.count, "the lesson has no steps: each step starts with a heading ## Title")
    }
    let name = URL(fileURLWithPath: file).lastPathComponent
    return Lesson(title: title, file: file, config: block.config, vocabulary: block.vocabulary, tokens: block.tokens,
                  targets: block.targets, steps: steps, summary: summary.text, number: lessonNumber(fileName: name))
  }

  // MARK: Front matter

  struct Block {
    var config: BlockConfig
    var vocabulary: [String]
    var tokens: [Int]
    var targets: [Int]
  }

  private mutating func frontMatter() throws(LessonError) -> Block {
    let opening = lines[index].number
    index += 1
    var keys: [String: Int] = [:]
    var values: [(key: String, value: String, line: Int)] = []
    while true {
      guard index < lines.count else { throw error(opening, "the front matter opened here is never closed with ---") }
      let line = lines[index]
      index += 1
      let text = line.text.trimmingCharacters(in: .whitespaces)
      if text == "---" { break }
      if text.isEmpty || text.hasPrefix("#") { continue }
      guard let (key, value) = keyValue(text) else {
        throw error(line.number, "expected key: value in the front matter (or --- to close it)")
      }
      if let first = keys[key] { throw error(line.number, "\(key) is given twice (first on line \(first))") }
      keys[key] = line.number
      values.append((key, value, line.number))
    }

    var config = BlockConfig()
    var text: (words: [String], line: Int)?
    var targetWords: (words: [String], line: Int)?
    for (key, value, line) in values {
      switch key {
      case "text":
        text = (value.split(whereSeparator: \.isWhitespace).map(String.init), line)
      case "targets":
        targetWords = (value.split(whereSeparator: \.isWhitespace).map(String.init), line)
      case "tokens":
        throw error(line, "a lesson gives its input as words: use text: instead of tokens:")
      case _ where BlockConfig.keys.contains(key):
        do {
          try config.set(key, frontMatterValue(value))
        } catch {
          throw self.error(line, error.message)
        }
      default:
        let known = (["text", "targets"] + BlockConfig.keys.filter { $0 != "tokens" && $0 != "targets" }).joined(separator: ", ")
        throw error(line, "unknown key \"\(key)\" (keys: \(known))")
      }
    }
    guard let text, !text.words.isEmpty else {
      throw error(text?.line ?? opening, "the lesson needs an input: a key text: with the words, e.g. text: the cat sat on the mat")
    }

    // The vocabulary: the distinct words in order of first appearance (the text's, then any new target words).
    var vocabulary: [String] = []
    func id(_ word: String) -> Int {
      if let i = vocabulary.firstIndex(of: word) { return i }
      vocabulary.append(word)
      return vocabulary.count - 1
    }
    let tokens = text.words.map(id)
    let targets: [Int]
    if let targetWords {
      guard targetWords.words.count == tokens.count else {
        throw error(targetWords.line, "targets: has \(targetWords.words.count) words but text: has \(tokens.count)")
      }
      targets = targetWords.words.map(id)
    } else {
      // Each word predicts the next; the last predicts the first, as if the text were read in a loop.
      targets = tokens.indices.map { tokens[($0 + 1) % tokens.count] }
    }

    if let line = keys["seq_len"], config.seqLen != tokens.count {
      throw error(line, "seq_len is \(config.seqLen) but text: has \(tokens.count) words (leave seq_len out: the words decide it)")
    }
    config.seqLen = tokens.count
    if let line = keys["vocab_size"] {
      guard config.vocabSize >= vocabulary.count else {
        throw error(line, "vocab_size is \(config.vocabSize) but the lesson has \(vocabulary.count) distinct words")
      }
      // Every id gets a label; a lesson is read on screen, so its vocabulary stays of a readable size.
      guard config.vocabSize <= Lesson.maxVocabulary else {
        throw error(line, "vocab_size is \(config.vocabSize); a lesson allows at most \(Lesson.maxVocabulary)")
      }
    } else {
      config.vocabSize = vocabulary.count
    }
    // Ids beyond the words (a vocab_size larger than the words) are labelled by number.
    while vocabulary.count < config.vocabSize { vocabulary.append("#\(vocabulary.count)") }
    config.tokens = tokens
    config.targets = targets
    do {
      try config.validate()
    } catch {
      let line = error.key.flatMap { keys[$0] } ?? (["seq_len", "vocab_size", "tokens"].contains(error.key ?? "") ? text.line : opening)
      throw self.error(line, error.message)
    }
    return Block(config: config, vocabulary: vocabulary, tokens: tokens, targets: targets)
  }

  /// A front-matter value as the JSON of the config contract; on and off are accepted for true and false, and
  /// anything else that is not JSON is taken as a string (which the config then refuses with its type).
  private func frontMatterValue(_ value: String) -> JSON {
    switch value {
    case "on", "yes": return .bool(true)
    case "off", "no": return .bool(false)
    default: return (try? JSON.parse(value)) ?? .string(value)
    }
  }

  // MARK: Prose

  struct Prose {
    var text = ""
    var directives: [(key: String, value: String, line: Int)] = []
  }

  /// Reads lines up to the next line starting with `stop` (or the end): prose reflowed into paragraphs, and the
  /// directive lines apart (an error when they are not allowed here).
  private mutating func prose(until stop: String, directivesAllowed: Bool) throws(LessonError) -> Prose {
    var out = Prose()
    var paragraphs: [String] = []
    var current: [String] = []
    var fenced = false
    func flush() {
      if !current.isEmpty { paragraphs.append(current.joined(separator: "\n")) }
      current = []
    }
    while index < lines.count {
      let line = lines[index]
      let text = line.text
      if !fenced && text.hasPrefix(stop) { break }
      index += 1
      if text.hasPrefix("```") {
        fenced.toggle()
        current.append(text)
        continue
      }
      if fenced {
        current.append(text)
        continue
      }
      if text.hasPrefix("# ") {
        throw error(line.number, "a lesson has one title (# …); a step's heading starts with ##")
      }
      if let (key, value) = keyValue(text) {
        guard directivesAllowed else {
          throw error(line.number, "\(key): comes before the first step (a step starts with a heading ## Title)")
        }
        out.directives.append((key, value, line.number))
        continue
      }
      if isBlank(line) {
        flush()
      } else if let last = current.last, !startsOwnLine(text), !last.hasPrefix("```") {
        // Lines of one paragraph are joined so the explainer can wrap them to its width.
        current[current.count - 1] = last + " " + text.trimmingCharacters(in: .whitespaces)
      } else {
        current.append(text)
      }
    }
    if fenced { flush() }
    flush()
    out.text = paragraphs.joined(separator: "\n\n")
    return out
  }

  /// List items, sub-headings and indented lines keep their own line.
  private func startsOwnLine(_ text: String) -> Bool {
    text.hasPrefix("- ") || text.hasPrefix("* ") || text.hasPrefix("#") || text.hasPrefix(" ") || text.hasPrefix("\t")
      || text.prefix(while: { $0.isASCII && $0.isNumber }).count > 0 && text.drop(while: { $0.isASCII && $0.isNumber }).hasPrefix(". ")
  }

  // MARK: Steps

  private mutating func step(scope: Scope) throws(LessonError) -> LessonStep {
    let heading = lines[index]
    index += 1
    let title = heading.text.dropFirst(3).trimmingCharacters(in: .whitespaces)
    guard !title.isEmpty else { throw error(heading.number, "a step heading needs a title: ## Title") }
    let body = try prose(until: "## ", directivesAllowed: true)

    var seen: [String: Int] = [:]
    var stage: Stage?
    var focus: (name: String, spec: TensorSpec, line: Int)?
    var head: Int?
    var select: (value: String, line: Int)?
    var toggles: [String: Bool] = [:]
    var editable: [String]?
    var challenges: [Challenge] = []
    var claims: [Claim] = []
    var hintAndSolutionLines: [Int: (hint: Int?, solution: Int?)] = [:]

    for (key, value, line) in body.directives {
      guard stepDirectives.contains(key) else {
        throw error(line, "unknown directive \"\(key):\" (directives: \(stepDirectives.joined(separator: ", "))); "
                    + "a prose line cannot start with a lower-case word and a colon")
      }
      guard !value.isEmpty else { throw error(line, "\(key): needs a value") }
      if ["stage", "focus", "head", "select", "edit"].contains(key) {
        if let first = seen[key] { throw error(line, "this step already has a \(key): (line \(first))") }
        seen[key] = line
      }
      switch key {
      case "stage":
        guard let s = Stage(rawValue: value) else {
          throw error(line, "unknown stage \"\(value)\" (stages: \(Stage.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        stage = s
      case "focus":
        guard let spec = TensorSpec.named(value, config: scope.config)
          ?? TensorSpec.shown(for: scope.config).first(where: { $0.name == value }) else {
          throw error(line, "focus: " + TensorSpec.unknownMessage(value, config: scope.config) + "; shown on screen: mask, masked")
        }
        focus = (value, spec, line)
      case "head":
        guard let h = Int(value), h >= 0 else { throw error(line, "head: needs a head number, found \"\(value)\"") }
        guard h < scope.config.heads else {
          let heads = scope.config.heads
          throw error(line, "head \(h) is out of range: this block has \(heads) head\(heads == 1 ? "" : "s") (0…\(heads - 1))")
        }
        head = h
      case "select":
        select = (value, line)
      case "set":
        for part in value.split(separator: ",") {
          let words = part.split(whereSeparator: \.isWhitespace).map(String.init)
          let names = Toggle.allCases.map(\.rawValue).joined(separator: ", ")
          guard words.count == 2, let toggle = Toggle(rawValue: words[0]) else {
            if words.first == "positional" {
              throw error(line, "positional changes which parameters exist: set it in the front matter")
            }
            throw error(line, "set: expects a switch and on or off, e.g. set: causal off (switches: \(names))")
          }
          guard let on = ["on": true, "true": true, "off": false, "false": false][words[1]] else {
            throw error(line, "set: \(words[0]) must be on or off, not \"\(words[1])\"")
          }
          toggles[toggle.rawValue] = on
        }
      case "edit":
        editable = try editableParameters(value, line: line, config: scope.config)
      case "challenge", "claim":
        let condition: Condition
        do {
          condition = try Condition(parsing: value).resolved(in: scope)
        } catch {
          throw self.error(line, "\(key): \(error.message)")
        }
        if key == "claim" {
          claims.append(Claim(source: value, line: line, condition: condition))
        } else {
          challenges.append(Challenge(source: value, line: line, condition: condition))
        }
      case "hint", "solution":
        guard let last = challenges.indices.last else {
          throw error(line, "\(key): belongs to a challenge: put it after the challenge: line")
        }
        var lines = hintAndSolutionLines[last] ?? (nil, nil)
        if let first = key == "hint" ? lines.hint : lines.solution {
          throw error(line, "this challenge already has a \(key): (line \(first))")
        }
        if key == "hint" {
          challenges[last].hint = value
          lines.hint = line
        } else {
          do {
            challenges[last].solution = try Solution(parsing: value).resolved(in: scope)
          } catch {
            throw self.error(line, "solution: \(error.message)")
          }
          lines.solution = line
        }
        hintAndSolutionLines[last] = lines
      default:
        break
      }
    }

    guard let stage else {
      throw error(heading.number, "the step \"\(title)\" has no stage: line (stages: \(Stage.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    var entry: (row: Int, column: Int)?
    if let select {
      guard let focus else { throw error(select.line, "select: picks an entry of the focused tensor: add a focus: line") }
      entry = try selectedEntry(select.value, line: select.line, focus: focus.spec, head: head, scope: scope)
    }
    return LessonStep(title: title, prose: body.text, line: heading.number, stage: stage, focus: focus?.name, head: head,
                      entry: entry, toggles: toggles, editable: editable, challenges: challenges, claims: claims)
  }

  /// `edit:` names: parameters, or a layer name (`q_linear`) for its weight and bias; `none` locks everything.
  private func editableParameters(_ value: String, line: Int, config: BlockConfig) throws(LessonError) -> [String] {
    if value == "none" { return [] }
    let parameters = Parameters.layout(for: config).map(\.name)
    var out: [String] = []
    for part in value.split(separator: ",") {
      let name = part.trimmingCharacters(in: .whitespaces)
      let matches = parameters.filter { $0 == name || $0.hasPrefix(name + ".") }
      guard !matches.isEmpty else {
        throw error(line, "edit: \"\(name)\" is not a parameter or layer of this block (parameters: \(parameters.joined(separator: ", ")))")
      }
      out += matches.filter { !out.contains($0) }
    }
    return out
  }

  /// `select: ROW, COLUMN` (or one index for a vector) of the focused tensor, by number or by word.
  private func selectedEntry(_ value: String, line: Int, focus: TensorSpec, head: Int?, scope: Scope)
    throws(LessonError) -> (row: Int, column: Int) {
    let parts = value.split(separator: ",").map { part in
      let trimmed = part.trimmingCharacters(in: .whitespaces)
      let unquoted = trimmed.count >= 2 && trimmed.hasPrefix("\"") && trimmed.hasSuffix("\"") ? String(trimmed.dropFirst().dropLast()) : trimmed
      return Int(unquoted).map(IndexTerm.at) ?? .word(unquoted)
    }
    let axes = focus.isPerHead ? Array(focus.axes.dropFirst()) : focus.axes
    guard parts.count == axes.count else {
      throw error(line, "select: \(focus.name) needs \(axes.count == 1 ? "one index" : "a row and a column"), e.g. select: \(Array(repeating: "0", count: axes.count).joined(separator: ", "))")
    }
    var ref = Reference(gradient: false, name: focus.name, head: focus.isPerHead ? (head ?? 0) : nil, indices: parts)
    do {
      ref = try ref.resolved(in: scope, entry: true, spec: focus)
    } catch {
      throw self.error(line, "select: \(error.message)")
    }
    let numbers = ref.indices.map { index -> Int in
      if case .at(let i) = index { return i }
      return 0
    }
    return numbers.count == 1 ? (0, numbers[0]) : (numbers[0], numbers[1])
  }
}
