import Foundation
import Lessons
import TinyTransformer

extension AppState {
  /// Applies one message: the pure `update` of the explainer.
  mutating func update(_ message: Message) -> Effect {
    switch message {
    case .resize(let width, let height):
      terminalSize = (max(0, width), max(0, height))
      return .none
    case .tick:
      if training.running { trainTick() }
      return .none
    case .key(let key):
      return press(key)
    }
  }

  /// SGD steps per tick of a training run.
  static let stepsPerTick = 5

  mutating func press(_ key: Key) -> Effect {
    if input != nil {
      typeKey(key)
      return .none
    }
    if showsHelp {
      showsHelp = false
      if key == .character("?") || key == .escape || key == .enter { return .none }
    }
    guard let command = KeyMap.command(for: key) else { return .none }
    switch command {
    case .quit: return .quit
    case .dismiss: notice = nil
    case .nextStep: goToStep(stepIndex + 1)
    case .previousStep: goToStep(stepIndex - 1)
    case .move(let dRow, let dColumn): move(dRow: dRow, dColumn: dColumn)
    case .nextTensor: cycleTensor(by: 1)
    case .previousTensor: cycleTensor(by: -1)
    case .nextHead: cycleHead(by: 1)
    case .previousHead: cycleHead(by: -1)
    case .nudge(let sign): nudge(by: sign * nudgeSize)
    case .smallerNudge, .largerNudge:
      nudgeSize = AppState.neighbour(of: nudgeSize, in: AppState.nudgeSizes, up: command == .largerNudge)
      notice = Notice(text: "+ and - now change an entry by \(Format.number(nudgeSize))", isError: false)
    case .lowerLearningRate, .raiseLearningRate:
      learningRate = AppState.neighbour(of: learningRate, in: AppState.learningRates, up: command == .raiseLearningRate)
      notice = Notice(text: "learning rate lr = \(Format.number(learningRate))", isError: false)
    case .typeValue: beginTyping()
    case .saveSession:
      input = AppState.defaultSessionFile
      inputKind = .fileName
      notice = nil
    case .undo: undo()
    case .reset: reset()
    case .sgdStep: sgdStep(explain: true)
    case .run: toggleRun()
    case .toggleCausal: toggle(\.causal, "causal mask", on: "position i looks only at positions ≤ i",
                               off: "every position now also sees the words after it")
    case .toggleScale: toggle(\.scale, "√d_k scaling", on: "scores are divided by √d_k",
                              off: "scores are not divided by √d_k: the softmax saturates, its gradients shrink")
    case .toggleResidual: toggle(\.residual, "residual", on: "h1 = x + attn_out, y = h1 + ffn_out",
                                 off: "h1 = attn_out, y = ffn_out: no shortcut for the gradient")
    case .gradientCheck: toggleGradientCheck()
    case .hint: showHint()
    case .presenter:
      presenter.toggle()
      notice = Notice(text: presenter ? "Presenter mode: P returns to the full screen." : "Presenter mode off.", isError: false)
    case .lessons:
      // `Classroom` opens its picker before the key gets here; a bare explainer has no library to pick from.
      notice = Notice(text: "No lesson library here: run qkv to pick a lesson.", isError: true)
    case .help: showsHelp = true
    }
    return .none
  }

  /// The next larger (or smaller) value of a ladder than `value`, or the end of the ladder.
  static func neighbour(of value: Double, in ladder: [Double], up: Bool) -> Double {
    up ? ladder.first { $0 > value * (1 + 1e-9) } ?? ladder.last ?? value
      : ladder.last { $0 < value * (1 - 1e-9) } ?? ladder.first ?? value
  }

  /// Shows the hint of the first challenge of the step not yet met (or of the first, when all are).
  mutating func showHint() {
    let challenges = step?.challenges ?? []
    let unmet = challenges.indices.first { n in !(challengeResults.indices.contains(n) && challengeResults[n] == true) }
    let text: String
    if challenges.isEmpty {
      text = "This step has no challenge."
    } else if let hint = challenges[unmet ?? 0].hint {
      text = "Hint: \(hint)"
    } else {
      text = "This challenge has no hint."
    }
    notice = Notice(text: text, isError: false)
  }

  // MARK: Walking and selecting

  mutating func goToStep(_ index: Int) {
    guard !lesson.steps.isEmpty else { return }
    if index < 0 { notice = Notice(text: "This is the first step.", isError: false); return }
    if index >= lesson.steps.count {
      notice = Notice(text: "This is the last step: p goes back, q quits.", isError: false)
      return
    }
    notice = nil
    input = nil
    training.running = false
    if open(step: index) {
      notice = Notice(text: "This step starts from the lesson's block; u brings back your changes.", isError: false)
    }
  }

  mutating func move(dRow: Int, dColumn: Int) {
    selection.row += dRow
    selection.column += dColumn
    clampSelection()
    refreshChecks()
  }

  mutating func cycleTensor(by offset: Int) {
    let choices = selectable
    guard !choices.isEmpty else { return }
    let current = choices.firstIndex(of: selection.tensor) ?? (offset > 0 ? -1 : 0)
    let next = ((current + offset) % choices.count + choices.count) % choices.count
    selection.tensor = choices[next]
    clampSelection()
    refreshChecks()
  }

  mutating func cycleHead(by offset: Int) {
    let heads = config.heads
    selection.head = ((selection.head + offset) % heads + heads) % heads
    clampSelection()
    refreshChecks()
    notice = Notice(text: "head \(selection.head) of \(heads) (columns \(selection.head * config.dK)–"
                      + "\((selection.head + 1) * config.dK - 1) of Q, K, V)", isError: false)
  }

  // MARK: Tweaking

  /// The selected parameter entry if the step lets the student change it; otherwise says why not.
  mutating func editableEntry() -> (name: String, index: Int)? {
    guard let entry = parameterEntry() else {
      let name = selection.tensor.description
      notice = Notice(text: "\(name) is computed from the parameters: select a parameter (Tab) to change it.",
                      isError: true)
      return nil
    }
    if let editable = step?.editable, !editable.contains(entry.name) {
      let text = editable.isEmpty
        ? "Every parameter is locked in this step: watch the numbers, or go on with n."
        : "\(entry.name) is locked in this step; only \(editable.joined(separator: ", ")) can change "
          + "(Tab reaches \(editable.count == 1 ? "it" : "them"))."
      notice = Notice(text: text, isError: true)
      return nil
    }
    return entry
  }

  /// `name[i,j]` for the selected entry of a parameter.
  func entryName(_ name: String) -> String {
    let tensor = parameters[name]
    let vector = tensor?.shape.count == 1
    return vector ? "\(name)[\(selection.row)]" : "\(name)[\(selection.row),\(selection.column)]"
  }

  mutating func nudge(by delta: Double) {
    guard let entry = editableEntry() else { return }
    let old = parameters[entry.name]?.data[entry.index] ?? 0
    set(entry, to: old + delta, how: "nudged by \(Format.signed(delta))")
  }

  /// Sets one parameter entry, reruns, and explains what changed (with the gradient's first-order prediction).
  mutating func set(_ entry: (name: String, index: Int), to value: Double, how: String) {
    guard var tensor = parameters[entry.name] else { return }
    pushUndo()
    let old = tensor.data[entry.index]
    let gradient = trace.gradients[entry.name]?.data[entry.index] ?? 0
    let lossBefore = trace.loss
    tensor.data[entry.index] = value
    parameters[entry.name] = tensor
    refresh()
    let change = trace.loss - lossBefore
    let predicted = gradient * (value - old)
    var text = "\(entryName(entry.name)) \(how): \(Format.number(old)) → \(Format.number(value)) · loss "
      + "\(Format.number(lossBefore)) → \(Format.number(trace.loss))"
    if change.isFinite && predicted.isFinite {
      text += " (\(Format.signed(change)); ∂loss/∂w·Δw predicted \(Format.signed(predicted)))"
    }
    notice = lossIsFinite ? Notice(text: text, isError: false) : nonFiniteNotice
  }

  /// What the screen says when the loss stopped being a number.
  var nonFiniteNotice: Notice {
    Notice(text: "The loss is \(Format.number(trace.loss)): the numbers overflowed. u undoes, 0 resets.", isError: true)
  }

  mutating func beginTyping() {
    guard editableEntry() != nil else { return }
    input = ""
    inputKind = .value
    notice = nil
  }

  /// Keys while typing on the input line: a value after `=`, a file name after `w`.
  mutating func typeKey(_ key: Key) {
    switch key {
    case .escape:
      input = nil
      notice = Notice(text: inputKind == .fileName ? "Not saved." : "Nothing changed.", isError: false)
    case .backspace:
      if input?.isEmpty == false { input?.removeLast() }
    case .control("u"):
      input = ""
    case .control("c"):
      input = nil
    case .enter:
      let text = (input ?? "").trimmingCharacters(in: .whitespaces)
      input = nil
      switch inputKind {
      case .value: setTypedValue(text)
      case .fileName: pendingSave = text.isEmpty ? AppState.defaultSessionFile : text
      }
    case .character(let ch) where inputKind == .fileName:
      // Any printable character can be part of a path.
      if !ch.isNewline && !(ch.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false) && (input?.count ?? 0) < 1024 {
        input?.append(ch)
      }
    case .character(let ch) where "0123456789.-+eE−".contains(ch):
      if (input?.count ?? 0) < 24 { input?.append(ch) }
    default:
      break
    }
  }

  /// Sets the selected entry to the number typed after `=`.
  mutating func setTypedValue(_ typed: String) {
    let text = typed.replacingOccurrences(of: "−", with: "-")
    guard let value = Double(text), value.isFinite else {
      notice = Notice(text: "\"\(text)\" is not a number: nothing changed.", isError: true)
      return
    }
    guard let entry = editableEntry() else { return }
    set(entry, to: value, how: "set")
  }

  mutating func undo() {
    guard let snapshot = undoStack.popLast() else {
      notice = Notice(text: "Nothing to undo.", isError: false)
      return
    }
    parameters = snapshot.parameters
    config = snapshot.config
    training = snapshot.training
    training.running = false
    refresh()
    selection.tensor = resolve(selection.tensor)
    clampSelection()
    notice = Notice(text: "Undone: loss \(Format.number(trace.loss)).", isError: false)
  }

  mutating func reset() {
    pushUndo()
    parameters = initialParameters
    training = Training()
    refresh()
    notice = Notice(text: "Back to the starting parameters: loss \(Format.number(trace.loss)) (u undoes).", isError: false)
  }

  mutating func toggle(_ key: WritableKeyPath<BlockConfig, Bool>, _ name: String, on: String, off: String) {
    pushUndo()
    let before = trace.loss
    config[keyPath: key].toggle()
    refresh()
    selection.tensor = resolve(selection.tensor)
    clampSelection()
    let state = config[keyPath: key] ? "on" : "off"
    let explanation = config[keyPath: key] ? on : off
    notice = Notice(text: "\(name) \(state): \(explanation) · loss \(Format.number(before)) → \(Format.number(trace.loss))",
                    isError: false)
  }

  mutating func toggleGradientCheck() {
    if checksGradient {
      checksGradient = false
      refreshChecks()
      notice = Notice(text: "Gradient check off.", isError: false)
      return
    }
    guard parameterEntry() != nil else {
      notice = Notice(text: "The gradient check needs a parameter entry: select one with Tab.", isError: true)
      return
    }
    checksGradient = true
    refreshChecks()
    notice = nil
  }

  // MARK: Training

  /// One SGD step p ← p − lr·∂loss/∂p on every parameter; with `explain`, says what happened to the selected entry.
  mutating func sgdStep(explain: Bool) {
    if explain { pushUndo() }
    let before = trace.loss
    let entry = parameterEntry()
    let old = entry.flatMap { parameters[$0.name]?.data[$0.index] }
    let gradient = entry.flatMap { trace.gradients[$0.name]?.data[$0.index] }
    training.steps += 1
    training.losses.append(before)
    if training.losses.count > AppState.lossHistoryLimit {
      training.losses.removeFirst(training.losses.count - AppState.lossHistoryLimit)
    }
    parameters.sgdStep(gradients: trace.gradients, lr: learningRate)
    // A training run checks challenges and the gradient once per tick, not once per step.
    refresh(checks: explain)
    guard explain else { return }
    guard lossIsFinite else { notice = nonFiniteNotice; return }
    var text = "SGD step \(training.steps): "
    if let entry, let old, let gradient, let new = parameters[entry.name]?.data[entry.index] {
      text += "\(entryName(entry.name)) ← w − lr·g = \(Format.number(old)) − \(Format.number(learningRate))·"
        + "\(Format.number(gradient)) = \(Format.number(new)) · "
    }
    text += "loss \(Format.number(before)) → \(Format.number(trace.loss))"
    notice = Notice(text: text, isError: false)
  }

  mutating func toggleRun() {
    if training.running {
      training.running = false
      notice = Notice(text: "Paused after \(training.steps) steps: loss \(Format.number(trace.loss)).", isError: false)
    } else {
      pushUndo()
      training.running = true
      notice = Notice(text: "Training with lr = \(Format.number(learningRate)): r pauses.", isError: false)
    }
  }

  /// A tick of a training run: a few SGD steps; a loss that stops being a number pauses the run.
  mutating func trainTick() {
    defer { refreshChecks() }
    for _ in 0..<AppState.stepsPerTick {
      sgdStep(explain: false)
      if !lossIsFinite {
        training.running = false
        notice = nonFiniteNotice
        return
      }
    }
    notice = Notice(text: "Training: step \(training.steps), loss \(Format.number(trace.loss)) · r pauses.", isError: false)
  }
}
