import Foundation
import TinyTransformer

/// The `qkv` command line: parses the arguments, runs a command, and returns the exit status
/// (0 done, 1 bad input, 2 bad arguments). Never crashes on user input.
public enum QKV {
  public static let version = "0.1.0"

  /// Runs `qkv` with `arguments` (without the program name).
  public static func main(_ arguments: [String], output: Output = .standard) -> Int32 {
    var words = arguments[...]
    // `swift run qkv -- --lesson 3` passes the separator on; it means nothing to qkv itself.
    if words.first == "--" { words = words.dropFirst() }
    var command = Command.explain
    if let first = words.first, let named = Command(rawValue: first), named != .explain {
      command = named
      words = words.dropFirst()
    }
    do throws(CommandError) {
      if command == .explain, words.first == "--version" || words.first == "-V" {
        output.out("qkv \(version)\n")
        return 0
      }
      if command == .explain, let first = words.first, !first.hasPrefix("-") {
        throw .usage(command: .explain, "unknown command \"\(first)\"")
      }
      try run(command, Array(words), output)
      return 0
    } catch {
      switch error {
      case .usage(let command, let message):
        output.err("qkv: \(message)\n\(command.usage)\n")
        return 2
      case .input(let message):
        output.err("qkv: \(message)\n")
        return 1
      case .verbatim(let message):
        output.err(message + "\n")
        return 1
      case .exit(let status):
        return status
      }
    }
  }

  static func run(_ command: Command, _ words: [String], _ output: Output) throws(CommandError) {
    switch command {
    case .help:
      let args = try Arguments(words, for: .help, valued: [], flags: [])
      if args.flags.contains("--help") { output.out(Command.help.helpText); return }
      guard args.positional.count <= 1 else { throw .usage(command: .help, "help takes one command") }
      guard let name = args.positional.first else { output.out(Command.explain.helpText); return }
      guard let named = Command(rawValue: name), named != .explain else {
        throw .usage(command: .help, "unknown command \"\(name)\"")
      }
      output.out(named.helpText)
    case .export: try ExportCommand.run(words, output)
    case .bench: try BenchCommand.run(words, output)
    case .explain, .lessons, .check, .render:
      try FrontEndCommands.run(command, words, output)
    }
  }

  /// Reads a config file: JSON syntax errors with their line and column, config errors with the reason.
  static func loadConfig(_ path: String) throws(CommandError) -> BlockConfig {
    let json = try parseJSONFile(path)
    do throws(ConfigError) {
      return try BlockConfig(json: json)
    } catch {
      throw .input("\(path): \(error.message)")
    }
  }

  /// Reads a qkv-export/1 document back into a session.
  static func loadSession(_ path: String) throws(CommandError) -> Export.Session {
    let json = try parseJSONFile(path)
    do throws(ConfigError) {
      return try Export.session(from: json)
    } catch {
      throw .input("\(path): \(error.message)")
    }
  }

  static func parseJSONFile(_ path: String) throws(CommandError) -> JSON {
    let text = try readFile(path)
    do throws(JSONError) {
      return try JSON.parse(text)
    } catch {
      throw .input("\(path):\(error.line):\(error.column): \(error.message)")
    }
  }
}
