import Foundation
import Testing
import TinyTransformer
@testable import QKVCommands

/// Captures what a command writes.
final class Captured: @unchecked Sendable {
  private let lock = NSLock()
  private var outText = ""
  private var errText = ""
  var out: String { lock.withLock { outText } }
  var err: String { lock.withLock { errText } }
  var output: Output {
    Output(out: { s in self.lock.withLock { self.outText += s } }, err: { s in self.lock.withLock { self.errText += s } })
  }
}

/// Runs `qkv` in-process.
func qkv(_ arguments: String...) -> (status: Int32, out: String, err: String) {
  let captured = Captured()
  let status = QKV.main(arguments, output: captured.output)
  return (status, captured.out, captured.err)
}

/// A fresh folder for one test's files.
func scratchFolder() -> String {
  let path = NSTemporaryDirectory() + "qkv-tests-\(UUID().uuidString)"
  try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

func write(_ text: String, _ path: String) {
  FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
}

struct CommandLineTests {
  @Test func versionAndHelp() {
    #expect(qkv("--version").out == "qkv \(QKV.version)\n")
    let help = qkv("--help")
    #expect(help.status == 0)
    for command in ["lessons", "check", "export", "render", "bench"] { #expect(help.out.contains("  \(command)")) }
    for command in ["lessons", "check", "export", "render", "bench", "help"] {
      let a = qkv("help", command), b = qkv(command, "--help")
      #expect(a.status == 0 && b.status == 0 && a.out == b.out && a.out.contains("usage: qkv \(command)"))
    }
  }

  @Test func wrongArgumentsExitTwoWithUsage() {
    for args in [["frobnicate"], ["export", "--bogus"], ["export"], ["export", "--config"],
                 ["export", "--config", "a", "--load", "b"], ["bench", "--seconds", "fast"], ["help", "nope"],
                 ["export", "--config", "a", "extra"], ["--lesson"]] {
      let r = QKV.main(args, output: Captured().output)
      let captured = Captured()
      _ = QKV.main(args, output: captured.output)
      #expect(r == 2, "\(args)")
      #expect(captured.err.hasPrefix("qkv: ") && captured.err.contains("usage: qkv"), "\(args): \(captured.err)")
      #expect(captured.out.isEmpty)
    }
  }

  @Test func exportWritesTheDocumentAndLoadsBack() throws {
    let dir = scratchFolder()
    write(#"{"vocab_size": 5, "d_model": 4, "heads": 2, "d_ff": 6, "seq_len": 3, "steps": 2, "lr": 0.05, "seed": 7}"#,
          "\(dir)/c.json")
    let r = qkv("export", "--config", "\(dir)/c.json", "-o", "\(dir)/out.json")
    #expect(r.status == 0 && r.out.isEmpty && r.err.isEmpty)
    let doc = try JSON.parse(String(contentsOfFile: "\(dir)/out.json", encoding: .utf8))
    #expect(doc["format"] == .string("qkv-export/1"))
    #expect(doc["config"]?["seed"]?.integer == 7 && doc["config"]?["lr"]?.number == 0.05)
    #expect(doc["training"]?["loss"]?.array?.count == 2)
    #expect(doc["gradients"]?["q_linear.weight"]?.array?.count == 4)
    // Loading the document exports the same document.
    let again = qkv("export", "--load", "\(dir)/out.json")
    #expect(again.status == 0)
    #expect(try JSON.parse(again.out) == doc)
    // No temporary files are left beside the output.
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["c.json", "out.json"])
  }

  /// Bad configs and files: exit 1, a one-line reason naming the file, and no output file — an existing one untouched.
  @Test(arguments: [
    (#"{"heads": 3}"#, "heads (3) must divide d_model (16)"),
    (#"{"d_model": 0}"#, "d_model must be at least 1"),
    (#"{"vocab_size": -2}"#, "vocab_size must be at least 1"),
    (#"{"colour": 1}"#, "unknown config key \"colour\""),
    (#"{"heads": true}"#, "heads must be an integer"),
    (#"{"heads": 2.5}"#, "heads must be an integer"),
    (#"{"lr": "fast"}"#, "lr must be a number"),
    (#"{"lr": -1}"#, "lr must be a finite number ≥ 0"),
    (#"{"steps": -1}"#, "steps must be 0 or more"),
    (#"{"seq_len": 3, "tokens": [1, 2]}"#, "tokens has 2 ids but seq_len is 3"),
    (#"{"seq_len": 2, "tokens": [1, 8]}"#, "tokens[1] = 8 is out of range 0..<8"),
    (#"{"seq_len": 2, "targets": [0, -1]}"#, "targets[1] = -1 is out of range"),
    (#"{"tokens": "the cat"}"#, "tokens must be a list of token ids"),
    (#"{"d_model": 1000000, "heads": 1}"#, "more than the 2 GiB qkv allows"),
    (#"{"d_model": 1000000000000000, "seq_len": 1000000000000000, "heads": 1}"#, "too large"),
    (#"{"lr": 1e300, "steps": 3}"#, "training diverged"),
    ("[1, 2]", "the config must be a JSON object"),
    (#"{"heads": 2,}"#, ":1:13: expected a key in quotes"),
    ("", ":1:1: unexpected end of input"),
    (#"{"a": 1} x"#, "unexpected text after the JSON value"),
  ])
  func badConfigIsRefused(_ text: String, _ expected: String) throws {
    let dir = scratchFolder()
    write(text, "\(dir)/bad.json")
    write("precious", "\(dir)/existing.json")
    let r = qkv("export", "--config", "\(dir)/bad.json", "-o", "\(dir)/existing.json")
    #expect(r.status == 1)
    #expect(r.err.hasPrefix("qkv: ") && r.err.contains(expected) && r.err.hasSuffix("\n"), "\(r.err)")
    #expect(r.err.split(separator: "\n").count == 1)
    #expect(try String(contentsOfFile: "\(dir)/existing.json", encoding: .utf8) == "precious")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["bad.json", "existing.json"])
  }

  @Test func missingAndUnwritableFiles() throws {
    let dir = scratchFolder()
    #expect(qkv("export", "--config", "\(dir)/nope.json").err == "qkv: cannot read \(dir)/nope.json: no such file\n")
    #expect(qkv("export", "--config", dir).status == 1)
    write("{}", "\(dir)/c.json")
    let r = qkv("export", "--config", "\(dir)/c.json", "-o", "\(dir)/missing/out.json")
    #expect(r.status == 1 && r.err.contains("there is no folder \(dir)/missing"), "\(r.err)")
    #expect(qkv("export", "--config", "\(dir)/c.json", "-o", dir).status == 1)
  }

  @Test func loadRefusesDocumentsThatAreNotExports() throws {
    let dir = scratchFolder()
    write("{}", "\(dir)/c.json")
    #expect(qkv("export", "--load", "\(dir)/c.json").err.contains("not a qkv export"))
    write(#"{"steps": 1}"#, "\(dir)/c.json")
    _ = qkv("export", "--config", "\(dir)/c.json", "-o", "\(dir)/doc.json")
    var text = try String(contentsOfFile: "\(dir)/doc.json", encoding: .utf8)
    // A parameter of the wrong shape: drop one row of the embedding.
    let doc = try JSON.parse(text)
    guard case .object(var members) = doc, case .object(var params) = doc["parameters"]!,
          case .array(let rows) = doc["parameters"]!["embedding.weight"]! else {
      Issue.record("unexpected export layout")
      return
    }
    params[0].1 = .array(Array(rows.dropLast()))
    members[members.firstIndex { $0.0 == "parameters" }!].1 = .object(params)
    text = JSON.object(members).serialized()
    write(text, "\(dir)/broken.json")
    let r = qkv("export", "--load", "\(dir)/broken.json")
    #expect(r.status == 1 && r.err.contains("embedding.weight must have shape [8, 16]"), "\(r.err)")
  }

  @Test func benchPrintsStepsPerSecondLast() {
    let r = qkv("bench", "--seconds", "0.05")
    #expect(r.status == 0)
    let last = r.out.split(separator: "\n").last.map(String.init) ?? ""
    #expect(last.hasSuffix(" steps/s") && Int(last.dropLast(" steps/s".count)) ?? 0 > 0, "\(r.out)")
  }

  @Test func benchUIReportsLatencyAndBytes() {
    let r = qkv("bench", "--ui", "--seconds", "0.01")
    #expect(r.status == 0, "\(r.err)")
    let lines = r.out.split(separator: "\n").map(String.init)
    #expect(lines.contains { $0.hasPrefix("first frame: ") && $0.contains(" ms") })
    #expect(lines.contains { $0.hasPrefix("bytes per key: ") })
    // At least a hundred keys are replayed, however short the time.
    #expect(lines.contains { $0.hasSuffix("keys replayed through update → view → diff") && (Int($0.prefix { $0.isNumber }) ?? 0) >= 100 })
    #expect(lines.last?.hasPrefix("latency per key: p50 ") == true && lines.last?.contains("p99") == true)
  }

  /// A document whose parameters are finite but so large that the block overflows: exit 1, a reason, no file.
  @Test func exportOfABlockThatOverflowsIsRefusedNotACrash() throws {
    let dir = scratchFolder()
    write("{}", "\(dir)/c.json")
    #expect(qkv("export", "--config", "\(dir)/c.json", "-o", "\(dir)/doc.json").status == 0)
    let doc = try JSON.parse(String(contentsOfFile: "\(dir)/doc.json", encoding: .utf8))
    guard case .object(var members) = doc, case .object(var params) = doc["parameters"]!,
          case .array(let rows) = params[0].1 else {
      Issue.record("unexpected export layout")
      return
    }
    params[0].1 = .array(rows.map { row in .array(row.array!.map { .number($0.number! * 1e300) }) })
    members[members.firstIndex { $0.0 == "parameters" }!].1 = .object(params)
    write(JSON.object(members).serialized(), "\(dir)/huge.json")
    let r = qkv("export", "--load", "\(dir)/huge.json", "-o", "\(dir)/out.json")
    #expect(r.status == 1 && r.err.contains("overflow"), "\(r.err)")
    #expect(!FileManager.default.fileExists(atPath: "\(dir)/out.json"))
  }
}
