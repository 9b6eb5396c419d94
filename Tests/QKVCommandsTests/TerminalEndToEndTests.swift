import Foundation
import Testing

/// The real `qkv` binary in a real (tmux) terminal: what a student sees, and that the terminal is sane afterwards.
/// Each scenario gets its own tmux server (socket), killed at the end whatever happens.
@Suite(.serialized) struct TerminalEndToEndTests {
  /// Appended to every command run in a pane: the exit status, then whether line editing and echo are back
  /// (`stty -a` says `icanon`/`echo`, or `-icanon`/`-echo` if the program left them off), then a pause that
  /// keeps the pane open for capture-pane until the server is killed.
  static let epilogue = #"echo "EXIT=$?"; stty -a | tr ' ;' '\n\n' | grep -x -e '-*icanon' -e '-*echo' | sed 's/^/STTY /'; exec sleep 600"#

  @Test func stepNudgeTrainHelpQuit() throws {
    let qkv = try E2E.qkvExecutable()
    let pane = try TmuxPane(command: "\(E2E.quoted(qkv)); \(Self.epilogue)", width: 100, height: 30)
    defer { pane.kill() }

    var screen = try pane.waitUntil("the first frame shows a loss") { E2E.loss(in: $0) != nil }
    #expect(!screen.contains("needs at least"), "100×30 is big enough:\n\(screen)")
    let coloured = try pane.capture(colours: true)
    #expect(coloured.contains(E2E.colourCode), "tmux-256color gets colours:\n\(coloured)")

    for _ in 1...3 {
      let before = screen
      try pane.send("n")
      screen = try pane.waitUntil("`n` moves to the next step") { $0 != before && E2E.loss(in: $0) != nil }
    }

    // Tab moves through the step's tensors; `+` changes the loss once a parameter entry is selected.
    let lossBeforeNudge = try #require(E2E.loss(in: screen))
    var nudged = false
    for _ in 1...8 where !nudged {
      let beforeTab = screen
      try pane.send("Tab")
      screen = try pane.waitUntil("Tab selects the next tensor") { $0 != beforeTab }
      let beforeNudge = screen
      try pane.send("+")
      // On a tensor that is not a parameter `+` may change nothing: then the screen stays as it was.
      screen = try (try? pane.waitUntil("`+` answers", seconds: 2) { $0 != beforeNudge }) ?? pane.settled()
      nudged = E2E.loss(in: screen).map { $0 != lossBeforeNudge } ?? false
    }
    #expect(nudged, "Tab to a parameter, then `+`, changes the loss shown:\n\(screen)")

    let lossBeforeTraining = try #require(E2E.loss(in: screen))
    for _ in 1...5 {
      let before = screen
      try pane.send("t")
      screen = try pane.waitUntil("`t` takes an SGD step") { $0 != before && E2E.loss(in: $0) != nil }
    }
    let lossAfterTraining = try #require(E2E.loss(in: screen))
    #expect(lossAfterTraining < lossBeforeTraining, "five SGD steps lower the loss:\n\(screen)")

    try pane.send("?")
    screen = try pane.waitUntil("`?` opens the help") { $0.contains(E2E.helpFooter) }
    for key in ["Tab", "+", "t", "r", "q", "SGD step"] { #expect(screen.contains(key), "help lists \(key):\n\(screen)") }
    try pane.send("?")
    screen = try pane.waitUntil("`?` closes the help") { !$0.contains(E2E.helpFooter) }

    try pane.send("q")
    screen = try pane.waitUntil("`q` quits") { $0.contains("EXIT=") && $0.contains("STTY") }
    E2E.expectRestored(screen, exit: [0])
    #expect(!screen.contains("loss"), "the explainer's screen is gone after exit:\n\(screen)")
  }

  @Test func controlCEndsCleanly() throws {
    let qkv = try E2E.qkvExecutable()
    // The shell traps SIGINT (Ctrl-C reaches the whole foreground group) so it lives to report on qkv.
    let pane = try TmuxPane(command: "trap true INT; \(E2E.quoted(qkv)); \(Self.epilogue)", width: 100, height: 30)
    defer { pane.kill() }
    _ = try pane.waitUntil("the first frame") { E2E.loss(in: $0) != nil }
    try pane.send("n")
    try pane.send("C-c")
    let screen = try pane.waitUntil("Ctrl-C ends qkv") { $0.contains("EXIT=") && $0.contains("STTY") }
    E2E.expectRestored(screen, exit: [130])  // 128 + SIGINT, as a shell reports a program Ctrl-C ended
  }

  @Test func tinyTerminalAsksForMoreRoomAndRecovers() throws {
    let qkv = try E2E.qkvExecutable()
    let pane = try TmuxPane(command: "\(E2E.quoted(qkv)); \(Self.epilogue)", width: 40, height: 10)
    defer { pane.kill() }
    _ = try pane.waitUntil("40×10 shows the needs-at-least message") { $0.contains("needs at least") }
    try pane.resize(width: 100, height: 30)
    _ = try pane.waitUntil("enlarged to 100×30 it shows the block") {
      !$0.contains("needs at least") && E2E.loss(in: $0) != nil
    }
    try pane.send("q")
    let screen = try pane.waitUntil("`q` quits") { $0.contains("EXIT=") && $0.contains("STTY") }
    E2E.expectRestored(screen, exit: [0])
  }

  @Test func noColorGivesAMonochromeScreen() throws {
    let qkv = try E2E.qkvExecutable()
    let pane = try TmuxPane(command: "\(E2E.quoted(qkv)); \(Self.epilogue)", width: 100, height: 30,
                            environment: ["NO_COLOR": "1"])
    defer { pane.kill() }
    _ = try pane.waitUntil("the first frame") { E2E.loss(in: $0) != nil }
    let coloured = try pane.capture(colours: true)
    #expect(!coloured.contains(E2E.colourCode), "NO_COLOR: attributes only, no colours:\n\(coloured)")
    try pane.send("q")
    let screen = try pane.waitUntil("`q` quits") { $0.contains("EXIT=") && $0.contains("STTY") }
    E2E.expectRestored(screen, exit: [0])
  }

  @Test func unknownTerminalTypeIsExplained() throws {
    let qkv = try E2E.qkvExecutable()
    let pane = try TmuxPane(command: "TERM=qkv-no-such-terminal \(E2E.quoted(qkv)); \(Self.epilogue)",
                            width: 100, height: 30)
    defer { pane.kill() }
    let screen = try pane.waitUntil("qkv exits") { $0.contains("EXIT=") && $0.contains("STTY") }
    #expect(screen.contains("TERM=qkv-no-such-terminal"), "the message names the terminal type:\n\(screen)")
    #expect(screen.contains("qkv render"), "the message points at `qkv render`:\n\(screen)")
    #expect(!screen.contains("Error opening terminal"), "not ncurses' own message:\n\(screen)")
    E2E.expectRestored(screen, exit: [1])
  }

  @Test func stdoutThatIsNotATerminalExitsOne() throws {
    let qkv = try E2E.qkvExecutable()
    let result = try E2E.run(qkv.path, [])
    #expect(result.status == 1)
    #expect(result.out.isEmpty, "nothing, not escape codes, goes to the redirected stdout: \(result.out.debugDescription)")
    #expect(result.err.contains("not a terminal") && result.err.contains("qkv render"), "stderr: \(result.err)")
    #expect(result.err.split(separator: "\n").count == 1, "one line: \(result.err)")
  }
}

/// Helpers for running the built binary and reading its screen.
enum E2E {
  /// The `qkv` executable built beside the test bundle (swift test builds it with the tests).
  static func qkvExecutable() throws -> URL {
    var folders: [URL] = []
    if let executable = Bundle.main.executableURL { folders.append(executable.deletingLastPathComponent()) }
    folders += Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }.map {
      $0.bundleURL.deletingLastPathComponent()
    }
    for folder in folders {
      let candidate = folder.appendingPathComponent("qkv")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    let searched = folders.map(\.path).joined(separator: ", ")
    throw E2EFailure("the qkv executable is not beside the test bundle (looked in \(searched)); `swift build` builds it")
  }

  /// What the help overlay (and only it) shows.
  static let helpFooter = "closes this help"

  /// An SGR sequence (as capture-pane -e writes it) that sets a foreground or background colour.
  nonisolated(unsafe) static let colourCode = #/\x1B\[(?:[0-9;]*;)?(?:[34][0-7]|[34]8;5;\d+)[;m]/#

  /// A path as one word for `sh -c`.
  static func quoted(_ url: URL) -> String { "'" + url.path.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }

  /// The loss the screen shows: the number after the first "loss" followed by =, : or a space.
  static func loss(in screen: String) -> Double? {
    let pattern = #/loss\s*[=:]?\s*(?<value>[-−]?\d+\.\d+)/#
    guard let match = screen.firstMatch(of: pattern) else { return nil }
    return Double(match.value.replacingOccurrences(of: "−", with: "-"))
  }

  /// Checks the shell's report after qkv ended: the exit status, and line editing and echo back on.
  static func expectRestored(_ screen: String, exit statuses: [Int], sourceLocation: SourceLocation = #_sourceLocation) {
    let status = screen.firstMatch(of: #/EXIT=(?<status>\d+)/#).flatMap { Int($0.status) }
    #expect(status.map(statuses.contains) ?? false, "exit status \(statuses):\n\(screen)", sourceLocation: sourceLocation)
    for setting in ["icanon", "echo"] {
      #expect(screen.contains("STTY \(setting)\n") || screen.hasSuffix("STTY \(setting)"),
              "the terminal has \(setting) back on:\n\(screen)", sourceLocation: sourceLocation)
    }
  }

  /// Runs a program to completion with stdin from /dev/null and stdout and stderr captured in files (not a
  /// terminal), with every signal unblocked and at its default. Not Foundation's Process: it watches a socket
  /// the child inherits, which `tmux new-session`'s server keeps open, and it passes on the calling thread's
  /// signal mask, where a test's thread blocks SIGINT, SIGHUP and SIGWINCH.
  static func run(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws
    -> (status: Int32, out: String, err: String)
  {
    let folder = FileManager.default.temporaryDirectory.path
    let outPath = "\(folder)/qkv-e2e-out-\(UUID().uuidString)"
    let errPath = "\(folder)/qkv-e2e-err-\(UUID().uuidString)"
    defer {
      unlink(outPath)
      unlink(errPath)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var everySignal = sigset_t()
    sigfillset(&everySignal)
    posix_spawnattr_setsigdefault(&attributes, &everySignal)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid = pid_t()
    let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
    guard spawned == 0 else { throw E2EFailure("cannot run \(path): \(String(cString: strerror(spawned)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 {
      guard errno == EINTR else { throw E2EFailure("waitpid for \(path) failed: \(String(cString: strerror(errno)))") }
    }
    // The wait status: exit code in bits 8–15 when the low 7 bits (the killing signal) are 0.
    let exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (exitStatus, try String(contentsOfFile: outPath, encoding: .utf8),
            try String(contentsOfFile: errPath, encoding: .utf8))
  }
}

struct E2EFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// A detached tmux session with one pane running `command` at a given size, on a socket of its own.
final class TmuxPane {
  let tmux: String
  let socket = "qkv-e2e-\(UUID().uuidString.prefix(12))"
  /// The environment of every tmux call, and so of the server and the pane: a UTF-8 locale, not inside tmux,
  /// and a state folder of its own so saved progress from other runs does not change where qkv opens.
  let environment: [String: String]
  /// Where the server listens; tmux leaves the socket file behind when the server is killed.
  private var socketPath = ""
  let stateFolder = FileManager.default.temporaryDirectory.appendingPathComponent("qkv-e2e-state-\(UUID().uuidString)")

  /// `environment` adds to (or, with nil, removes from) the test process's environment for the pane.
  init(command: String, width: Int, height: Int, environment extra: [String: String?] = [:]) throws {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    guard let tmux = path.split(separator: ":").map({ "\($0)/tmux" }).first(where: FileManager.default.isExecutableFile)
    else { throw E2EFailure("tmux is not installed (the end-to-end tests need it; .ci/run installs it)") }
    self.tmux = tmux
    var environment = ProcessInfo.processInfo.environment
    environment["TMUX"] = nil
    environment["LC_ALL"] = "C.UTF-8"
    environment["XDG_STATE_HOME"] = stateFolder.path
    environment["NO_COLOR"] = nil  // swift test sets it for itself; the pane is a colour terminal
    for (name, value) in extra { environment[name] = value }
    self.environment = environment
    // -f /dev/null: the user's ~/.tmux.conf must not change what the test sees.
    try tmuxCall(["-f", "/dev/null", "new-session", "-d", "-x", "\(width)", "-y", "\(height)", command])
    socketPath = try tmuxCall(["display-message", "-p", "#{socket_path}"]).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Presses one key (tmux key names: "n", "Tab", "C-c").
  func send(_ key: String) throws { try tmuxCall(["send-keys", key]) }

  /// Makes the window this size (the program gets SIGWINCH).
  func resize(width: Int, height: Int) throws {
    try tmuxCall(["resize-window", "-x", "\(width)", "-y", "\(height)"])
  }

  /// The pane's text, with colour escape sequences when `colours`.
  func capture(colours: Bool = false) throws -> String {
    try tmuxCall(["capture-pane", "-p"] + (colours ? ["-e"] : []))
  }

  /// Polls the pane until `condition` holds on a settled screen; fails after `seconds`, or as soon as the shell
  /// has reported on qkv's exit, showing what the pane last showed.
  func waitUntil(_ what: String, seconds: Double = 20, _ condition: (String) -> Bool) throws -> String {
    let deadline = Date().addingTimeInterval(seconds)
    var screen = try settled()
    while !condition(screen) {
      // The shell's report ends with the stty lines: qkv is gone and nothing more will change.
      if screen.contains("STTY") { throw E2EFailure("qkv exited before \(what); the pane shows:\n\(screen)") }
      guard Date() < deadline else { throw E2EFailure("waited \(Int(seconds)) s for \(what); the pane shows:\n\(screen)") }
      Thread.sleep(forTimeInterval: 0.05)
      screen = try settled()
    }
    return screen
  }

  /// The pane once two captures 50 ms apart agree (a frame may reach tmux in pieces), or after a second.
  func settled() throws -> String {
    var screen = try capture()
    for _ in 1...20 {
      Thread.sleep(forTimeInterval: 0.05)
      let again = try capture()
      if again == screen { break }
      screen = again
    }
    return screen
  }

  /// Ends the server and everything running in it.
  func kill() {
    _ = try? tmuxCall(["kill-server"])
    if !socketPath.isEmpty { unlink(socketPath) }
    try? FileManager.default.removeItem(at: stateFolder)
  }

  @discardableResult
  private func tmuxCall(_ arguments: [String]) throws -> String {
    let result = try E2E.run(tmux, ["-L", socket] + arguments, environment: environment)
    guard result.status == 0 else {
      throw E2EFailure("tmux \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.err)")
    }
    return result.out
  }
}
