import TinyTransformer

/// `qkv export`: the qkv-export/1 document of a config, a lesson's block, or a loaded document.
enum ExportCommand {
  static func run(_ words: [String], _ output: Output) throws(CommandError) {
    let args = try Arguments(words, for: .export, valued: ["--config", "--lesson", "--load", "-o", "--output"], flags: [])
    if args.flags.contains("--help") { output.out(Command.export.helpText); return }
    try args.noPositional(for: .export)
    if args.values["-o"] != nil && args.values["--output"] != nil {
      throw .usage(command: .export, "give -o or --output, not both")
    }
    let session = try FrontEndCommands.session(args, for: .export, required: true)
    let document: JSON
    do throws(ConfigError) {
      document = try Export.document(session)
    } catch {
      throw .input(error.message)
    }
    let text = document.serialized() + "\n"
    if let path = args.values["-o"] ?? args.values["--output"] {
      try writeAtomically(text, to: path)
    } else {
      output.out(text)
    }
  }
}
