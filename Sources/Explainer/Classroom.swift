import Foundation
import Lessons
import TinyTransformer

/// The explainer in a classroom: a lesson picker (`L`), presenter mode kept across lessons (`P`, or
/// `--present`), progress remembered between runs, and scripted demos (`--play`). A `Program` around the
/// explainer's own state: every key but `L` goes to the explainer (whose `KeyMap` lists them all).
///
/// The side effects of `update` go through two hooks: progress is saved to its store (when it has one and the
/// progress changed), and a session `w` asks for is written by its `SessionWriter`.
public struct Classroom: Program, Sendable {
  /// The explainer's state: the lesson open now, its step, the live block.
  public private(set) var state: AppState
  public var capabilities: Capabilities
  /// The lessons the picker offers, in order.
  public let library: [Lesson]
  public private(set) var progress: Progress
  /// Where progress is saved (nil: kept in memory only).
  let store: ProgressStore?
  /// What writes the session file `w` names (nil: saving is refused).
  let sessionWriter: SessionWriter?
  let evaluateChallenge: ChallengeEvaluator?
  /// The picker's highlighted row while it is open.
  public private(set) var picker: Int?
  /// Presenter mode (the explainer's `presenter`, toggled by `P`): for a projector, as `Screen` draws it.
  public var presenting: Bool { state.presenter }
  /// The demo being replayed, if any.
  private(set) var player: DemoPlayer?

  /// A classroom opened on `lesson` at `step`. `warning` (e.g. from loading progress) is shown first.
  public init(lesson: Lesson, step: Int = 0, library: [Lesson], capabilities: Capabilities = Capabilities(),
              parameters: Parameters? = nil, challengeEvaluator: ChallengeEvaluator?, progress: Progress = Progress(),
              store: ProgressStore? = nil, sessionWriter: SessionWriter? = .atomic, presenting: Bool = false,
              script: DemoScript? = nil, warning: String? = nil) {
    state = AppState(lesson: lesson, step: step, parameters: parameters, challengeEvaluator: challengeEvaluator)
    self.capabilities = capabilities
    self.library = library
    self.progress = progress
    self.store = store
    self.sessionWriter = sessionWriter
    evaluateChallenge = challengeEvaluator
    state.presenter = presenting
    player = script.map { DemoPlayer(script: $0) }
    record(save: false)
    if let warning { state.notice = AppState.Notice(text: warning, isError: true) }
  }

  /// Where `qkv` alone reopens: the lesson open last (if it is still in the library) at its step.
  public static func resumePoint(progress: Progress, library: [Lesson]) -> (lesson: Lesson, step: Int)? {
    guard let key = progress.current, let lesson = library.first(where: { Progress.key(of: $0) == key }) else { return nil }
    let step = progress.lessons[key]?.step ?? 0
    return (lesson, min(max(step, 0), max(lesson.steps.count - 1, 0)))
  }

  /// Seconds per tick while a demo plays (the run loop's tick interval).
  static let tickSeconds = 0.05

  public var tickInterval: Duration? {
    player != nil || state.training.running ? .milliseconds(Int(Classroom.tickSeconds * 1000)) : nil
  }

  /// While a demo plays, Ctrl-C stops the demo (as any key does) rather than ending qkv.
  public var capturesInterrupt: Bool { player != nil }

  public mutating func update(_ message: Message) -> Effect {
    let effect: Effect
    switch message {
    case .key where player != nil:
      // Any key takes over from a demo (and does nothing else), Ctrl-C included: see `capturesInterrupt`.
      player = nil
      state.notice = AppState.Notice(text: "The demo stopped: the keys are yours.", isError: false)
      effect = .none
    case .tick where player != nil:
      if state.training.running { _ = state.update(.tick) }
      effect = advanceDemo()
    default:
      effect = handle(message)
    }
    state.saveSession(with: sessionWriter)
    record(save: true)
    return effect
  }

  /// A message as the student sends it: the picker's keys while it is open, `L`, else the explainer's.
  mutating func handle(_ message: Message) -> Effect {
    if case .key(let key) = message {
      if picker != nil { return pick(key) }
      // While a value is typed or help is open, every key belongs to the explainer.
      if state.input == nil && !state.showsHelp && KeyMap.command(for: key) == .lessons {
        picker = library.firstIndex { Progress.key(of: $0) != nil && Progress.key(of: $0) == Progress.key(of: state.lesson) } ?? 0
        return .none
      }
    }
    return state.update(message)
  }

  // MARK: The lesson picker

  mutating func pick(_ key: Key) -> Effect {
    guard let row = picker else { return .none }
    switch key {
    case .character("j"), .down: picker = library.isEmpty ? 0 : min(row + 1, library.count - 1)
    case .character("k"), .up: picker = max(row - 1, 0)
    case .home: picker = 0
    case .end: picker = max(library.count - 1, 0)
    case .enter:
      picker = nil
      if library.indices.contains(row) { open(library[row]) }
    case .escape, .character("L"), .character("q"): picker = nil
    case .control("c"): return .quit
    default: break
    }
    return .none
  }

  /// Opens a lesson at `step`, by default the one its progress remembers (the first step when new).
  mutating func open(_ lesson: Lesson, step: Int? = nil) {
    let step = step ?? Progress.key(of: lesson).flatMap { progress.lessons[$0]?.step } ?? 0
    let (size, presenter) = (state.terminalSize, state.presenter)
    state = AppState(lesson: lesson, step: step, parameters: nil, challengeEvaluator: evaluateChallenge)
    state.terminalSize = size
    state.presenter = presenter
    let number = lesson.number.map { "Lesson \($0): " } ?? ""
    state.notice = AppState.Notice(text: "\(number)\(lesson.title) — step \(state.stepIndex + 1) of \(lesson.steps.count)",
                                   isError: false)
  }

  // MARK: Progress

  /// Notes the step shown and the challenges met in `progress`; saves it when it changed.
  mutating func record(save: Bool) {
    guard let key = Progress.key(of: state.lesson) else { return }
    var entry = progress.lessons[key] ?? Progress.Entry()
    entry.step = state.stepIndex
    entry.reached = max(entry.reached, state.stepIndex + 1)
    for (n, met) in state.challengeResults.enumerated() where met == true { entry.met.insert("\(state.stepIndex).\(n)") }
    var updated = progress
    updated.current = key
    updated.lessons[key] = entry
    guard updated != progress else { return }
    progress = updated
    guard save, let store else { return }
    do {
      try store.save(progress)
    } catch {
      state.notice = AppState.Notice(text: "Progress not saved: \(AppState.describe(error))", isError: true)
    }
  }

  /// How much of a lesson is done: steps reached and challenges met, of each total.
  public func completion(of lesson: Lesson) -> (reached: Int, steps: Int, met: Int, challenges: Int) {
    let entry = Progress.key(of: lesson).flatMap { progress.lessons[$0] } ?? Progress.Entry()
    var challenges = 0, met = 0
    for (s, step) in lesson.steps.enumerated() {
      for c in step.challenges.indices {
        challenges += 1
        if entry.met.contains("\(s).\(c)") { met += 1 }
      }
    }
    return (min(entry.reached, lesson.steps.count), lesson.steps.count, met, challenges)
  }

  // MARK: Demos

  /// Runs the demo's actions that are due on this tick.
  mutating func advanceDemo() -> Effect {
    guard var player else { return .none }
    defer { self.player = player.finished ? nil : player }
    if player.waiting > 0 {
      player.waiting -= 1
      // The pause after the demo's last key has passed: the demo ends here, and says so.
      if player.finished { state.notice = Classroom.demoOver }
      return .none
    }
    while let action = player.next() {
      switch action {
      case .key(let key):
        let effect = handle(.key(key))
        player.waiting = player.paceTicks
        if effect == .quit { return .quit }
        return .none
      case .wait(let seconds):
        player.waiting = DemoPlayer.ticks(seconds)
        if player.waiting > 0 { return .none }
      case .pace(let seconds):
        player.paceTicks = DemoPlayer.ticks(seconds)
      case .say(let text):
        state.notice = AppState.Notice(text: text, isError: false)
      case .lesson(let name):
        if let lesson = library.first(where: { DemoPlayer.names(name, $0) }) {
          // A demo is the same on every machine: its lessons open at their first step.
          open(lesson, step: 0)
        } else {
          state.notice = AppState.Notice(text: "The demo asks for lesson \"\(name)\", which is not in the library.", isError: true)
        }
      case .quit:
        return .quit
      }
    }
    state.notice = Classroom.demoOver
    return .none
  }

  static let demoOver = AppState.Notice(text: "The demo is over: the keys are yours.", isError: false)
}

/// Where a demo is: the next action and the ticks to wait before it.
struct DemoPlayer: Sendable {
  let script: DemoScript
  var position = 0
  var waiting = 0
  var paceTicks = DemoPlayer.ticks(DemoScript.defaultPace)

  init(script: DemoScript) { self.script = script }

  var finished: Bool { position >= script.actions.count && waiting == 0 }

  mutating func next() -> DemoScript.Action? {
    guard position < script.actions.count else { return nil }
    defer { position += 1 }
    return script.actions[position]
  }

  static func ticks(_ seconds: Double) -> Int { Int((seconds / Classroom.tickSeconds).rounded()) }

  /// Whether a script's `lesson NAME` names this lesson: by number, file name or its slug.
  static func names(_ name: String, _ lesson: Lesson) -> Bool {
    if let n = Int(name) { return lesson.number == n }
    guard let key = Progress.key(of: lesson) else { return false }
    let slug = String(key.drop { $0 != "-" }.dropFirst())
    return name == key || name == key + ".md" || name == slug
  }
}
