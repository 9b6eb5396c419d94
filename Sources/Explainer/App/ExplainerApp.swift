import Lessons
import TinyTransformer

/// The explainer: a lesson's walkthrough of one transformer block, with every number and gradient live.
/// A `Program`: the terminal backend runs it, `qkv render` prints one `view`, tests drive `update`.
public struct ExplainerApp: Program, Sendable {
  /// Everything the screen shows.
  public private(set) var state: AppState
  /// What the terminal can show (colours, Unicode); the backend may set it once it knows.
  public var capabilities: Capabilities
  /// Where `w` saves the session (nil: nowhere, the default here; `Classroom`, which `qkv` runs, saves).
  public var sessionWriter: SessionWriter?

  /// The explainer on `lesson`, opened at `step` (clamped to the lesson), with the seed's parameters.
  public init(lesson: Lesson, step: Int = 0, capabilities: Capabilities = Capabilities()) {
    self.init(lesson: lesson, step: step, capabilities: capabilities, parameters: nil, challengeEvaluator: nil)
  }

  /// The explainer with given starting parameters (e.g. a loaded session; ignored unless they fit the lesson's
  /// config) and the lessons module's challenge evaluation.
  public init(lesson: Lesson, step: Int = 0, capabilities: Capabilities = Capabilities(), parameters: Parameters?,
              challengeEvaluator: ChallengeEvaluator?) {
    state = AppState(lesson: lesson, step: step, parameters: parameters, challengeEvaluator: challengeEvaluator)
    self.capabilities = capabilities
  }

  public mutating func update(_ message: Message) -> Effect {
    let effect = state.update(message)
    state.saveSession(with: sessionWriter)
    return effect
  }

  public func view(width: Int, height: Int) -> Buffer {
    Screen.render(state, capabilities: capabilities, width: width, height: height)
  }

  /// Ticks drive a training run (20 a second); otherwise the screen changes only on input.
  public var tickInterval: Duration? { state.training.running ? .milliseconds(50) : nil }

  /// The smallest terminal the explainer draws into; smaller ones get a message asking for more room.
  public static let minimumSize = (width: Screen.minimumWidth, height: Screen.minimumHeight)
}
