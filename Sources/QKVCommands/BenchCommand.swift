import Foundation
import TinyTransformer

/// `qkv bench`: training throughput of a block, forward + backward + SGD.
enum BenchCommand {
  static func run(_ words: [String], _ output: Output) throws(CommandError) {
    let args = try Arguments(words, for: .bench, valued: ["--config", "--seconds"], flags: ["--ui"])
    if args.flags.contains("--help") { output.out(Command.bench.helpText); return }
    try args.noPositional(for: .bench)
    let seconds = try args.number("--seconds", in: 0.01...3600, for: .bench) ?? 3
    let config = try args.values["--config"].map { (path) throws(CommandError) in try QKV.loadConfig(path) } ?? BlockConfig()
    if args.flags.contains("--ui") {
      try FrontEndCommands.benchUI(config: config, seconds: seconds, output)
      return
    }
    output.out("block: \(describe(config))\n")
    let steps = measure(config: config, seconds: seconds)
    output.out(String(format: "%d steps in %.2f s\n", steps.count, steps.elapsed))
    output.out(String(format: "%.0f steps/s\n", Double(steps.count) / steps.elapsed))
  }

  /// Trains for about `seconds` after a short warm-up; returns the steps taken and the seconds they took.
  static func measure(config: BlockConfig, seconds: Double) -> (count: Int, elapsed: Double) {
    let block = Block(config: config)
    let lr = config.lr
    let clock = ContinuousClock()
    // Warm-up: first-touch of buffers and caches, not part of the figure.
    let warmUpEnd = clock.now + .milliseconds(Int(min(0.5, seconds / 5) * 1000))
    while clock.now < warmUpEnd { block.trainStep(lr: lr) }
    let start = clock.now
    var count = 0
    var batch = 1
    while true {
      for _ in 0..<batch { block.trainStep(lr: lr) }
      count += batch
      let elapsed = (clock.now - start).seconds
      if elapsed >= seconds { return (count, elapsed) }
      // Check the clock about every millisecond, not every step.
      batch = max(1, min(batch * 2, Int(Double(count) / max(elapsed, 1e-9) * 0.001)))
    }
  }

  static func describe(_ c: BlockConfig) -> String {
    let switches = [("causal", c.causal), ("scaled", c.scale), ("residual", c.residual), ("positional", c.positional)]
      .map { $0.1 ? $0.0 : "no \($0.0)" }.joined(separator: ", ")
    return "T\(c.seqLen) D\(c.dModel) H\(c.heads) d_ff \(c.dFF) vocab \(c.vocabSize) (\(switches))"
  }
}

extension Duration {
  /// The duration in seconds.
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
