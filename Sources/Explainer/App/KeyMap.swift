/// What a key asks for.
enum Command: Hashable, Sendable {
  case nextStep, previousStep
  case move(dRow: Int, dColumn: Int)
  case nextTensor, previousTensor
  case nextHead, previousHead
  case nudge(sign: Double)
  case smallerNudge, largerNudge
  case typeValue
  case undo, reset
  case sgdStep, run
  case lowerLearningRate, raiseLearningRate
  case toggleCausal, toggleScale, toggleResidual
  case gradientCheck
  case hint, presenter, lessons
  case saveSession
  case dismiss
  case help
  case quit
}

/// The keys: one table the dispatcher, the help overlay and the hint line all read.
enum KeyMap {
  /// One line of help: the keys as shown, what they do, and the commands they send.
  struct Binding: Sendable {
    let keys: String
    let meaning: String
    /// The keys and meaning in at most 11 and 13 characters, for help on a small screen.
    let short: (keys: String, meaning: String)
    let bindings: [(Key, Command)]

    init(keys: String, meaning: String, short: (String, String), bindings: [(Key, Command)]) {
      self.keys = keys
      self.meaning = meaning
      self.short = short
      self.bindings = bindings
    }
  }

  static func character(_ ch: Character, _ command: Command) -> (Key, Command) { (.character(ch), command) }

  /// Every key of DESIGN.md, the explainer's own and the classroom's (`L`: the picker needs the library that
  /// only `Classroom` has). A key missing here does nothing: the dispatchers read only this table.
  static let help: [Binding] = [
    Binding(keys: "n / space / PgDn", meaning: "next step", short: ("n spc PgDn", "next step"),
            bindings: [character("n", .nextStep), character(" ", .nextStep), (.pageDown, .nextStep)]),
    Binding(keys: "p / PgUp", meaning: "previous step", short: ("p PgUp", "previous step"), bindings: [character("p", .previousStep), (.pageUp, .previousStep)]),
    Binding(keys: "arrows / h j k l", meaning: "move the cursor in the tensor", short: ("arrows hjkl", "move cursor"), bindings: [
      (.left, .move(dRow: 0, dColumn: -1)), (.down, .move(dRow: 1, dColumn: 0)), (.up, .move(dRow: -1, dColumn: 0)),
      (.right, .move(dRow: 0, dColumn: 1)), character("h", .move(dRow: 0, dColumn: -1)),
      character("j", .move(dRow: 1, dColumn: 0)), character("k", .move(dRow: -1, dColumn: 0)),
      character("l", .move(dRow: 0, dColumn: 1)),
    ]),
    Binding(keys: "Tab / Shift-Tab", meaning: "select the next / previous tensor", short: ("Tab S-Tab", "next/prev"),
            bindings: [(.tab, .nextTensor), (.backTab, .previousTensor)]),
    Binding(keys: "{ / }", meaning: "previous / next attention head", short: ("{ }", "heads"),
            bindings: [character("{", .previousHead), character("}", .nextHead)]),
    Binding(keys: "+ / - (or _)", meaning: "nudge the selected parameter entry", short: ("+ - _", "nudge entry"), bindings: [
      character("+", .nudge(sign: 1)), character("-", .nudge(sign: -1)), character("_", .nudge(sign: -1)),
    ]),
    Binding(keys: "[ / ]", meaning: "smaller / larger nudge", short: ("[ ]", "nudge size"), bindings: [character("[", .smallerNudge), character("]", .largerNudge)]),
    Binding(keys: "=", meaning: "type an exact value (Enter sets, Esc cancels)", short: ("=", "type a value"), bindings: [character("=", .typeValue)]),
    Binding(keys: "u", meaning: "undo the last change", short: ("u", "undo"), bindings: [character("u", .undo)]),
    Binding(keys: "0", meaning: "reset to the starting (seed's) parameters", short: ("0", "reset to seed"), bindings: [character("0", .reset)]),
    Binding(keys: "t", meaning: "one SGD step: w ← w − lr·∂loss/∂w", short: ("t", "one SGD step"), bindings: [character("t", .sgdStep)]),
    Binding(keys: "r", meaning: "run / pause training", short: ("r", "run/pause SGD"), bindings: [character("r", .run)]),
    Binding(keys: "< / > (or , .)", meaning: "lower / raise the learning rate", short: ("< > , .", "learning rate"), bindings: [
      character("<", .lowerLearningRate), character(">", .raiseLearningRate),
      character(",", .lowerLearningRate), character(".", .raiseLearningRate),
    ]),
    Binding(keys: "c", meaning: "causal mask on / off", short: ("c", "causal mask"), bindings: [character("c", .toggleCausal)]),
    Binding(keys: "s", meaning: "√d_k scaling on / off", short: ("s", "√d_k scaling"), bindings: [character("s", .toggleScale)]),
    Binding(keys: "R", meaning: "residual connections on / off", short: ("R", "residual"), bindings: [character("R", .toggleResidual)]),
    Binding(keys: "g", meaning: "gradient check of the selected entry on / off", short: ("g", "grad check"), bindings: [character("g", .gradientCheck)]),
    Binding(keys: "H", meaning: "a hint for the step's challenge", short: ("H", "hint"), bindings: [character("H", .hint)]),
    Binding(keys: "L", meaning: "lessons: pick one (j/k move, Enter opens)", short: ("L", "lessons"), bindings: [character("L", .lessons)]),
    Binding(keys: "P", meaning: "presenter mode for a projector on / off", short: ("P", "presenter"), bindings: [character("P", .presenter)]),
    Binding(keys: "w", meaning: "write the session to a file (qkv --load FILE resumes it)", short: ("w", "save session"),
            bindings: [character("w", .saveSession)]),
    Binding(keys: "Esc", meaning: "clear the message; cancel typing; close help", short: ("Esc", "clear/cancel"),
            bindings: [(.escape, .dismiss)]),
    Binding(keys: "?", meaning: "this help (? or Esc closes it)", short: ("?", "this help"), bindings: [character("?", .help)]),
    Binding(keys: "q / Ctrl-C", meaning: "quit", short: ("q Ctrl-C", "quit"), bindings: [character("q", .quit), (.control("c"), .quit)]),
  ]

  private static let table: [Key: Command] = {
    var table: [Key: Command] = [:]
    for binding in help { for (key, command) in binding.bindings { table[key] = command } }
    return table
  }()

  /// The command a key sends, if any.
  static func command(for key: Key) -> Command? { table[key] }

  /// The one-line hint, shortest last: the first that fits the width is shown.
  static let hints = [
    "n/p step · Tab tensor · hjkl/arrows move · +/- nudge · = set · t SGD step · r run · u undo · w save · L lessons · ? help · q quit",
    "n/p step · Tab tensor · hjkl move · +/- nudge · = set · t step · r run · u undo · w save · L lessons · ? help · q quit",
    "n/p step · Tab tensor · hjkl move · +/- nudge · t/r train · u undo · L lessons · ? help · q quit",
    "n/p step · Tab tensor · +/- nudge · t/r train · L lessons · ? help · q quit",
    "n/p · Tab · +/- · t · r · L lessons · ? help · q quit",
  ]
}
