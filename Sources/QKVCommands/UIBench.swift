import Explainer
import Foundation
import TinyTransformer

/// `qkv bench --ui`: keystroke-to-frame latency of the explainer, without a terminal. A scripted sequence of keys
/// goes through update → view → buffer diff, as the terminal run loop does, and each key's time and the bytes
/// its frame would write are recorded.
enum UIBench {
  /// What a student does, over and over: move the cursor, switch tensors and heads, nudge entries, change the
  /// nudge size, step through the lesson and back, take SGD steps, toggle the block's switches and undo.
  static let script: [Key] = {
    let moves: [Key] = [.right, .right, .down, .left, .up, .character("l"), .character("j")]
    let explore: [Key] = [.tab, .tab, .character("}"), .character("{"), .backTab]
    let nudge: [Key] = [.character("+"), .character("+"), .character("-"), .character("]"), .character("+"),
                        .character("["), .character("u")]
    let walk: [Key] = [.character("n"), .character("n"), .character(" "), .character("p"), .character("t"),
                       .character("t"), .character("c"), .character("c"), .character("g"), .escape]
    return moves + explore + nudge + walk + moves + [.character("0")]
  }()

  /// Replays at least `keys` keys (and for at least `seconds`) and prints p50/p99 latency and bytes per key.
  static func run(config: BlockConfig, seconds: Double, keys: Int = 5000, _ output: Output) {
    let (width, height) = (120, 40)
    let clock = ContinuousClock()
    let start = clock.now
    var app = ExplainerApp(lesson: ExplainerApp.tour(config: config), capabilities: Capabilities())
    var shown = app.view(width: width, height: height)
    let firstFrame = clock.now - start
    let sinceExec = sinceProcessStart()
    var latencies: [Double] = []
    var bytes: [Int] = []
    latencies.reserveCapacity(keys)
    let deadline = clock.now + .milliseconds(Int(seconds * 1000))
    var index = 0
    while latencies.count < keys || clock.now < deadline {
      let key = script[index % script.count]
      index += 1
      let before = clock.now
      _ = app.update(.key(key))
      let frame = app.view(width: width, height: height)
      let changed = frame.changes(from: shown)
      latencies.append((clock.now - before).milliseconds)
      bytes.append(bytesWritten(frame, changed))
      shown = frame
    }
    latencies.sort()
    let percentile = { (p: Double) in latencies[min(latencies.count - 1, Int(p * Double(latencies.count)))] }
    output.out("block: \(BenchCommand.describe(config)), screen \(width)×\(height)\n")
    output.out(String(format: "cold start to first frame: %.1f ms in process (%.1f ms since exec)\n",
                      firstFrame.milliseconds, sinceExec ?? firstFrame.milliseconds))
    output.out(String(format: "%d keys: latency p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", latencies.count,
                      percentile(0.5), percentile(0.99), latencies.last ?? 0))
    output.out(String(format: "bytes per key: mean %.0f, max %d\n",
                      Double(bytes.reduce(0, +)) / Double(max(bytes.count, 1)), bytes.max() ?? 0))
    output.out(String(format: "%.3f ms p99\n", percentile(0.99)))
  }

  /// The bytes a terminal would receive to show the changed cells: each symbol in UTF-8, a cursor move
  /// (`ESC[row;colH`) where the changed cells are not contiguous, and an attribute change (`ESC[…m`) where the
  /// style differs from the previous cell written. An estimate of what ncurses sends, not its exact output.
  static func bytesWritten(_ frame: Buffer, _ changed: [(x: Int, y: Int)]) -> Int {
    var total = 0
    var cursor: (x: Int, y: Int)? = nil
    var style: Style? = nil
    for (x, y) in changed {
      guard let cell = frame[x, y] else { continue }
      if cursor.map({ $0.y != y || $0.x != x }) ?? true { total += 4 + String(y + 1).count + String(x + 1).count }
      if style != cell.style {
        total += sgrLength(cell.style)
        style = cell.style
      }
      total += String(cell.symbol).utf8.count
      cursor = (x + 1, y)
    }
    return total
  }

  /// The length of `ESC[0;…m` setting a style from scratch.
  static func sgrLength(_ style: Style) -> Int {
    func color(_ c: Color) -> Int {
      switch c {
      case .default: 0
      case .palette(let n): 6 + String(n).count  // ";38;5;n"
      }
    }
    let flags = [style.bold, style.dim, style.reverse, style.underline].filter { $0 }.count * 2
    return 4 + flags + color(style.foreground) + color(style.background)
  }

  /// Milliseconds from the process's start to now (Linux: /proc/self/stat's start time), or nil.
  static func sinceProcessStart() -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
          let afterName = stat.range(of: ")", options: .backwards),
          let uptimeText = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
          let uptime = Double(uptimeText.split(separator: " ").first ?? "")
    else { return nil }
    // Fields after the command name start at field 3; the start time (in clock ticks since boot) is field 22.
    let fields = stat[afterName.upperBound...].split(separator: " ")
    guard fields.count > 19, let ticks = Double(fields[19]) else { return nil }
    let hertz = Double(sysconf(Int32(_SC_CLK_TCK)))
    return (uptime - ticks / hertz) * 1000
  }
}

extension Duration {
  /// The duration in milliseconds.
  var milliseconds: Double { seconds * 1000 }
}
