/// A command's arguments, parsed: options with values, flags, and positional words.
struct Arguments {
  var values: [String: String] = [:]
  var flags: Set<String> = []
  var positional: [String] = []

  /// Parses `words` for `command`, which accepts the options `valued` (each taking one value, `--name V` or
  /// `--name=V`) and `flags`. `-h`/`--help` is always a flag. Anything else starting with `-` is a usage error.
  init(_ words: [String], for command: Command, valued: Set<String>, flags allowed: Set<String>) throws(CommandError) {
    var rest = words[...]
    var onlyPositional = false
    while let word = rest.popFirst() {
      if onlyPositional || !word.hasPrefix("-") || word == "-" {
        positional.append(word)
        continue
      }
      if word == "--" { onlyPositional = true; continue }
      var name = word
      var inline: String?
      if let eq = word.firstIndex(of: "="), word.hasPrefix("--") {
        name = String(word[..<eq])
        inline = String(word[word.index(after: eq)...])
      }
      if name == "-h" || name == "--help" {
        flags.insert("--help")
      } else if valued.contains(name) {
        guard let value = inline ?? rest.popFirst() else {
          throw .usage(command: command, "\(name) needs a value")
        }
        if values[name] != nil { throw .usage(command: command, "\(name) is given twice") }
        values[name] = value
      } else if allowed.contains(name), inline == nil {
        flags.insert(name)
      } else {
        throw .usage(command: command, "unknown option \(name)")
      }
    }
  }

  /// An integer option's value (nil when absent); anything but a whole number in `range` is a usage error.
  func integer(_ name: String, in range: ClosedRange<Int>, for command: Command) throws(CommandError) -> Int? {
    guard let text = values[name] else { return nil }
    guard let n = Int(text), range.contains(n) else {
      throw .usage(command: command, "\(name) takes a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(text)\"")
    }
    return n
  }

  /// A number option's value (nil when absent).
  func number(_ name: String, in range: ClosedRange<Double>, for command: Command) throws(CommandError) -> Double? {
    guard let text = values[name] else { return nil }
    guard let x = Double(text), x.isFinite, range.contains(x) else {
      throw .usage(command: command, "\(name) takes a number from \(range.lowerBound) to \(range.upperBound), not \"\(text)\"")
    }
    return x
  }

  /// Refuses positional words for commands that take none.
  func noPositional(for command: Command) throws(CommandError) {
    if let first = positional.first { throw .usage(command: command, "unexpected argument \"\(first)\"") }
  }
}
