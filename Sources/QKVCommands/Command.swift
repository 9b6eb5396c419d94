/// The commands of `qkv`, with their usage lines and help.
enum Command: String, CaseIterable, Sendable {
  /// `qkv` alone: the explainer.
  case explain = ""
  case lessons, check, export, render, bench, help

  /// The commands a user names (all but the default).
  static var named: [Command] { allCases.filter { $0 != .explain } }

  var usage: String {
    switch self {
    case .explain: "usage: qkv [--lesson NAME [--step N] | --load FILE] [--present] [--play FILE]\n       qkv <command> [options]   (qkv help for the commands)"
    case .lessons: "usage: qkv lessons"
    case .check: "usage: qkv check FILE..."
    case .export: "usage: qkv export (--config FILE | --lesson NAME | --load FILE) [-o OUT]"
    case .render: "usage: qkv render [--lesson NAME] [--step N] [--width W] [--height H] [--load FILE]"
    case .bench: "usage: qkv bench [--config FILE] [--seconds S] [--ui]"
    case .help: "usage: qkv help [COMMAND]"
    }
  }

  var summary: String {
    switch self {
    case .explain: "step inside one transformer block and watch every number and gradient"
    case .lessons: "list the lessons: number, title, file and steps"
    case .check: "validate lesson files (file:line: message for each problem)"
    case .export: "write a block's qkv-export/1 document: parameters, activations, gradients, training"
    case .render: "print one screen of the explainer as plain text"
    case .bench: "measure training throughput (steps/s) or keystroke latency (--ui)"
    case .help: "show help for a command"
    }
  }

  var details: String {
    switch self {
    case .explain:
      """
      qkv shows one tiny transformer block from the inside: every Linear layer (Q, K, V, O, the two FFN
      layers, the output head) is a weight W and a bias b; attention is dot products, a scaling, a softmax
      and a weighted average of V — one unbroken differentiable chain — and back-propagation gives the
      gradient of the loss with respect to every parameter. Step through it, nudge a weight, train, watch.

      commands:
      \(Command.named.map { "  " + $0.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0) + " " + $0.summary }.joined(separator: "\n"))

      options:
        --lesson NAME   open a lesson (its number, name or file); see qkv lessons
        --step N        open at step N of the lesson (1 is the first)
        --load FILE     resume a session saved as a qkv-export/1 document
        --present       presenter mode: large cells, high contrast, prose hidden
        --play FILE     replay a scripted demo (any key takes over)
        -h, --help      show this help
        --version       print the version

      In the explainer press ? for every key. Without a terminal, use qkv render.
      """
    case .lessons: "Lists every lesson in the lessons folder ($QKV_LESSONS, ./lessons, or the one qkv was built with)."
    case .check:
      """
      Parses and validates each lesson file. Prints ok for a good file; for a bad one,
      file:line: message for its first problem. Exit status 1 when any file has a problem.
      """
    case .export:
      """
      Builds the block and writes its qkv-export/1 JSON document: the config with every key filled in,
      tokens, targets, the initial parameters, every activation, ∂loss/∂ every parameter, and `steps`
      plain SGD steps at `lr` (the loss before each step and the parameters after).

        --config FILE   a JSON object of config keys (vocab_size, d_model, heads, d_ff, seq_len, causal,
                        scale, residual, positional, seed, steps, lr, tokens, targets); missing keys default
                        to the lesson-size block
        --lesson NAME   the block of a lesson
        --load FILE     a qkv-export/1 document: its config, tokens and initial parameters
        -o OUT          write to OUT (atomically: a failure never leaves a partial file); default stdout
      """
    case .render:
      """
      Prints one screen of the explainer as plain text, exactly as the terminal shows it, without colours.

        --lesson NAME   the lesson (default: the built-in tour of the block)
        --load FILE     the block of a qkv-export/1 document
        --step N        the step, 1 is the first (default 1)
        --width W       columns (default 100)
        --height H      rows (default 30)
      """
    case .bench:
      """
      Trains the block (forward + backward + SGD) for about S seconds and reports throughput.
      The last line is `N steps/s`.

        --config FILE   the block (default: the lesson-size block, T8 D16 H2)
        --seconds S     how long to measure (default 3)
        --ui            measure keystroke-to-frame latency of the explainer instead
      """
    case .help: "Shows the help of a command: qkv help export."
    }
  }

  /// The whole help text.
  var helpText: String {
    let title = self == .explain ? "qkv — \(summary)" : "qkv \(rawValue) — \(summary)"
    return "\(title)\n\n\(usage)\n\n\(details)\n"
  }
}
