import TinyTransformer

/// The commands that show the block: the explainer, `render`, `lessons`, `check` — and where a session comes from.
enum FrontEndCommands {
  static func run(_ command: Command, _ words: [String], _ output: Output) throws(CommandError) {
    let args = try Arguments(words, for: command, valued: [], flags: [])
    if args.flags.contains("--help") { output.out(command.helpText); return }
    throw .input("qkv \(command.rawValue) is not built yet")
  }

  /// The session named by `--config`, `--lesson` or `--load` (exactly one when `required`).
  static func session(_ args: Arguments, for command: Command, required: Bool) throws(CommandError) -> Export.Session {
    let sources = ["--config", "--lesson", "--load"].filter { args.values[$0] != nil }
    if sources.count > 1 { throw .usage(command: command, "give one of \(sources.joined(separator: ", ")), not several") }
    if let path = args.values["--config"] { return Export.Session(config: try QKV.loadConfig(path)) }
    if let path = args.values["--load"] { return try QKV.loadSession(path) }
    if args.values["--lesson"] != nil { throw .input("lessons are not built yet") }
    if required { throw .usage(command: command, "say which block: --config FILE, --lesson NAME or --load FILE") }
    return Export.Session(config: BlockConfig())
  }

  static func benchUI(config: BlockConfig, seconds: Double, _ output: Output) throws(CommandError) {
    throw .input("qkv bench --ui is not built yet")
  }
}
