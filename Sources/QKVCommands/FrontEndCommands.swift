import Foundation
import Explainer
import Lessons
import Terminal
import TinyTransformer

/// The commands that show the block: the explainer, `render`, `lessons`, `check` — and where a session comes from.
enum FrontEndCommands {
  static func run(_ command: Command, _ words: [String], _ output: Output) throws(CommandError) {
    switch command {
    case .lessons: try lessons(words, output)
    case .check: try check(words, output)
    case .render: try render(words, output)
    default: try explain(words, output)
    }
  }

  // MARK: qkv (the explainer)

  /// Runs the explainer full-screen. `terminal` checks the terminal first (replaceable in tests: the test runner's
  /// own stdout may or may not be a terminal).
  static func explain(_ words: [String], _ output: Output,
                      terminal: () throws(TerminalError) -> Capabilities = TerminalSession.check) throws(CommandError) {
    let args = try Arguments(words, for: .explain, valued: ["--lesson", "--step", "--load", "--play"], flags: ["--present"])
    if args.flags.contains("--help") { output.out(Command.explain.helpText); return }
    try args.noPositional(for: .explain)
    let script: DemoScript?
    do throws(LessonError) {
      script = try args.values["--play"].map { (path) throws(LessonError) in try DemoScript.load(path: path) }
    } catch {
      throw .verbatim(error.description)
    }
    let store = ProgressStore.standard()
    let (progress, warning) = store?.load() ?? (Progress(), nil)
    let library = loadableLessons()
    // `qkv` alone resumes where the student left off; naming a lesson, a session or a step opens that.
    let chosen = args.values["--lesson"] != nil || args.values["--load"] != nil || args.values["--step"] != nil
    let resume = chosen ? nil : Classroom.resumePoint(progress: progress, library: library)
    let opening: Opening
    if let resume { opening = Opening(lesson: resume.lesson, step: resume.step) } else { opening = try open(args, for: .explain) }
    let capabilities: Capabilities
    do throws(TerminalError) {
      capabilities = try terminal()
    } catch {
      throw .verbatim(error.description)
    }
    var classroom = Classroom(
      lesson: opening.lesson, step: opening.step, library: library, capabilities: capabilities,
      parameters: opening.parameters, challengeEvaluator: evaluateChallenge, progress: progress, store: store,
      presenting: args.flags.contains("--present"), script: script, warning: warning)
    let ending: TerminalSession.Ending
    do throws(TerminalError) {
      ending = try TerminalSession.run(&classroom, capabilities: capabilities)
    } catch {
      throw .verbatim(error.description)
    }
    if case .signal(let number) = ending { throw .exit(128 + number) }
  }

  /// The lessons the picker offers: every lesson file that loads (a broken one is left out, not fatal;
  /// `qkv check` reports it).
  static func loadableLessons() -> [Lesson] {
    guard let directory = LessonLibrary.directory() else { return [] }
    return LessonLibrary.files(in: directory).compactMap { try? Lesson.load(path: $0.path) }
  }

  /// Challenges are evaluated by the lessons module, with the lesson's words naming rows and columns.
  static let evaluateChallenge: ChallengeEvaluator = { challenge, trace, parameters in
    guard challenge.condition != nil else { return nil }
    return challenge.isMet(trace: trace, parameters: parameters, vocabulary: nil)
  }

  /// What to open: a lesson and a step (0-based), and parameters when a session was loaded.
  struct Opening {
    var lesson: Lesson
    var step: Int
    var parameters: Parameters?
  }

  /// What `--load`, `--lesson` and `--step` open; without `--lesson` or `--load`, `fallback` (the first lesson,
  /// or the tour when there is none).
  static func open(_ args: Arguments, for command: Command, fallback: () throws(CommandError) -> Lesson = {
    () throws(CommandError) -> Lesson in try firstLesson() ?? ExplainerApp.tour()
  }) throws(CommandError) -> Opening {
    if args.values["--lesson"] != nil && args.values["--load"] != nil {
      throw .usage(command: command, "give --lesson or --load, not both")
    }
    let step = (try args.integer("--step", in: 1...10_000, for: command) ?? 1) - 1
    var opening: Opening
    if let path = args.values["--load"] {
      let session = try QKV.loadSession(path)
      var lesson = ExplainerApp.tour(config: session.config)
      lesson.title = "Session \(URL(fileURLWithPath: path).lastPathComponent)"
      lesson.tokens = session.tokens
      lesson.targets = session.targets
      opening = Opening(lesson: lesson, step: step, parameters: session.parameters)
    } else if let name = args.values["--lesson"] {
      opening = Opening(lesson: try lesson(named: name), step: step)
    } else {
      opening = Opening(lesson: try fallback(), step: step)
    }
    if opening.lesson.steps.isEmpty { throw .input("\(opening.lesson.title) has no steps") }
    let count = opening.lesson.steps.count
    if opening.step >= count {
      throw .input("\(opening.lesson.title) has \(count) steps; --step \(opening.step + 1) is past the last")
    }
    return opening
  }

  static func lesson(named name: String) throws(CommandError) -> Lesson {
    do throws(LessonError) {
      return try LessonLibrary.find(name)
    } catch {
      throw .input(error.description)
    }
  }

  /// The first lesson of the library, or nil when there is no lessons folder.
  static func firstLesson() throws(CommandError) -> Lesson? {
    guard let directory = LessonLibrary.directory(), let first = LessonLibrary.files(in: directory).first else { return nil }
    do throws(LessonError) {
      return try Lesson.load(path: first.path)
    } catch {
      throw .input(error.description)
    }
  }

  // MARK: qkv render

  static func render(_ words: [String], _ output: Output) throws(CommandError) {
    let args = try Arguments(words, for: .render, valued: ["--lesson", "--step", "--load", "--width", "--height"], flags: [])
    if args.flags.contains("--help") { output.out(Command.render.helpText); return }
    try args.noPositional(for: .render)
    let width = try args.integer("--width", in: 1...1000, for: .render) ?? 100
    let height = try args.integer("--height", in: 1...1000, for: .render) ?? 30
    let opening = try open(args, for: .render, fallback: { () throws(CommandError) -> Lesson in ExplainerApp.tour() })
    let app = ExplainerApp(lesson: opening.lesson, step: opening.step, capabilities: Capabilities(colors: .none, unicode: true),
                           parameters: opening.parameters, challengeEvaluator: evaluateChallenge)
    output.out(app.view(width: width, height: height).lines.joined(separator: "\n") + "\n")
  }

  // MARK: qkv lessons, qkv check

  static func lessons(_ words: [String], _ output: Output) throws(CommandError) {
    let args = try Arguments(words, for: .lessons, valued: [], flags: [])
    if args.flags.contains("--help") { output.out(Command.lessons.helpText); return }
    try args.noPositional(for: .lessons)
    guard let directory = LessonLibrary.directory() else {
      throw .input("no lessons folder found: set QKV_LESSONS or run qkv where lessons/ is")
    }
    var problems: [String] = []
    for url in LessonLibrary.files(in: directory) {
      let number = url.lastPathComponent.prefix { $0.isNumber }
      do throws(LessonError) {
        let lesson = try Lesson.load(path: url.path)
        let steps = lesson.steps.count == 1 ? "1 step" : "\(lesson.steps.count) steps"
        output.out("\(number.padding(toLength: 3, withPad: " ", startingAt: 0)) \(lesson.title) — \(url.lastPathComponent), \(steps)\n")
      } catch {
        problems.append(error.description)
      }
    }
    if !problems.isEmpty { throw .verbatim(problems.joined(separator: "\n")) }
  }

  static func check(_ words: [String], _ output: Output) throws(CommandError) {
    let args = try Arguments(words, for: .check, valued: [], flags: [])
    if args.flags.contains("--help") { output.out(Command.check.helpText); return }
    guard !args.positional.isEmpty else { throw .usage(command: .check, "name at least one lesson file") }
    let problems = checkLessons(paths: args.positional)
    if problems.isEmpty {
      output.out("ok: \(args.positional.count == 1 ? args.positional[0] : "\(args.positional.count) paths") checked, no problems\n")
      return
    }
    throw .verbatim(problems.joined(separator: "\n"))
  }

  // MARK: Sessions for export

  /// The session named by `--config`, `--lesson` or `--load` (exactly one when `required`).
  static func session(_ args: Arguments, for command: Command, required: Bool) throws(CommandError) -> Export.Session {
    let sources = ["--config", "--lesson", "--load"].filter { args.values[$0] != nil }
    if sources.count > 1 { throw .usage(command: command, "give one of \(sources.joined(separator: ", ")), not several") }
    if let path = args.values["--config"] { return Export.Session(config: try QKV.loadConfig(path)) }
    if let path = args.values["--load"] { return try QKV.loadSession(path) }
    if let name = args.values["--lesson"] {
      let lesson = try lesson(named: name)
      return Export.Session(config: lesson.config, tokens: lesson.tokens, targets: lesson.targets,
                            parameters: Parameters(initializedFor: lesson.config))
    }
    if required { throw .usage(command: command, "say which block: --config FILE, --lesson NAME or --load FILE") }
    return Export.Session(config: BlockConfig())
  }

  /// `qkv bench --ui`: replays scripted keys through update → view → buffer diff (no terminal) and reports the
  /// keystroke-to-frame latency and what a terminal would be sent per key.
  static func benchUI(config: BlockConfig, seconds: Double, _ output: Output) throws(CommandError) {
    let (width, height) = (100, 30)
    let clock = ContinuousClock()
    let start = clock.now
    var app = ExplainerApp(lesson: ExplainerApp.tour(config: config), capabilities: Capabilities(colors: .full, unicode: true))
    _ = app.update(.resize(width: width, height: height))
    var frame = app.view(width: width, height: height)
    let firstFrame = (clock.now - start).seconds
    let processAge = processAgeSeconds()

    // Keys a student presses: stepping, moving, selecting, nudging, training, undoing, toggling, checking.
    let script: [Key] = [
      .character("n"), .tab, .character("l"), .character("j"), .character("+"), .character("-"), .character("t"),
      .character("u"), .backTab, .character("h"), .character("k"), .character("c"), .character("c"),
      .character("s"), .character("s"), .character("g"), .character("g"), .character("}"), .character("{"),
    ]
    let forward = script.count
    var latencies: [Double] = []
    var bytes: [Int] = []
    var slowest: [String: Double] = [:]  // the worst latency seen on each stage
    let deadline = clock.now + .milliseconds(Int(seconds * 1000))
    var index = 0
    while clock.now < deadline || latencies.count < 100 {  // at least 100 keys, however short the time
      // Walk forward through the steps, then back with `p`, so every stage is drawn.
      let steps = app.state.lesson.steps.count
      let goingBack = index / forward % (2 * steps) >= steps
      let scripted = script[index % forward]
      let key = goingBack && scripted == .character("n") ? .character("p") : scripted
      index += 1
      let t0 = clock.now
      _ = app.update(.key(key))
      let next = app.view(width: width, height: height)
      let changed = next.changes(from: frame)
      latencies.append((clock.now - t0).seconds)
      if let stage = app.state.step?.stage {
        slowest[stage.rawValue, default: 0] = max(slowest[stage.rawValue, default: 0], latencies[latencies.count - 1])
      }
      bytes.append(terminalBytes(next, changed))
      frame = next
      if latencies.count >= 1_000_000 { break }
    }
    latencies.sort()
    func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000 }
    let meanBytes = Double(bytes.reduce(0, +)) / Double(max(bytes.count, 1))
    output.out("block: \(BenchCommand.describe(config)), screen \(width)×\(height)\n")
    output.out("\(latencies.count) keys replayed through update → view → diff\n")
    output.out(String(format: "first frame: %.1f ms after the command started", firstFrame * 1000)
      + (processAge.map { String(format: " (process age %.0f ms)", $0 * 1000) } ?? "") + "\n")
    output.out(String(format: "bytes per key: %.0f mean, %d max\n", meanBytes, bytes.max() ?? 0))
    let worst = slowest.sorted { $0.value > $1.value }.prefix(3)
      .map { String(format: "%@ %.2f ms", $0.key, $0.value * 1000) }.joined(separator: ", ")
    output.out("slowest stages: \(worst)\n")
    output.out(String(format: "latency per key: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
                      percentile(0.5), percentile(0.99), latencies.last.map { $0 * 1000 } ?? 0))
  }

  /// About what a curses backend writes for the changed cells: each cell's UTF-8, a cursor move before each run
  /// of adjacent cells (~8 bytes), and an attribute change where the style differs from the cell before (~12).
  static func terminalBytes(_ buffer: Buffer, _ changed: [(x: Int, y: Int)]) -> Int {
    var total = 0
    var last: (x: Int, y: Int)? = nil
    var lastStyle: Style? = nil
    for position in changed {
      guard let cell = buffer[position.x, position.y] else { continue }
      if last.map({ $0.y != position.y || $0.x + 1 != position.x }) ?? true { total += 8 }
      if cell.style != lastStyle { total += 12 }
      total += String(cell.symbol).utf8.count
      last = position
      lastStyle = cell.style
    }
    return total
  }

  /// Seconds since this process started (Linux: /proc/self/stat against /proc/uptime, 10 ms resolution).
  static func processAgeSeconds() -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
          let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // Field 22 of the stat line (the 20th after the command name) is the start time in clock ticks since boot.
    guard fields.count > 19, let ticks = Double(fields[19]), let up = Double(uptime.split(separator: " ")[0]) else { return nil }
    let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
    return hz > 0 ? up - ticks / hz : nil
  }
}
