import Foundation

/// A JSON value. qkv reads and writes its own JSON so that numbers round-trip exactly, integers stay distinct
/// from booleans, and a malformed file is reported with its line and column.
public enum JSON: Equatable, Sendable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSON])
  /// An object, its keys in the order they were written.
  case object([(String, JSON)])

  public static func == (lhs: JSON, rhs: JSON) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): true
    case (.bool(let a), .bool(let b)): a == b
    case (.number(let a), .number(let b)): a == b
    case (.string(let a), .string(let b)): a == b
    case (.array(let a), .array(let b)): a == b
    case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: false
    }
  }

  /// The value at `key` of an object (nil for a missing key or a non-object).
  public subscript(key: String) -> JSON? {
    guard case .object(let members) = self else { return nil }
    return members.first { $0.0 == key }?.1
  }

  /// The number, if this is one.
  public var number: Double? {
    if case .number(let x) = self { return x }
    return nil
  }

  /// The integer, if this is a number with no fractional part that fits exactly.
  public var integer: Int? {
    guard case .number(let x) = self, x.isFinite, x.rounded() == x, abs(x) <= 9_007_199_254_740_992 else { return nil }
    return Int(x)
  }

  /// The elements, if this is an array.
  public var array: [JSON]? {
    if case .array(let a) = self { return a }
    return nil
  }

  /// Whether every number in the value is finite (JSON cannot write NaN or infinity).
  public var isFinite: Bool {
    switch self {
    case .number(let x): x.isFinite
    case .array(let items): items.allSatisfy(\.isFinite)
    case .object(let members): members.allSatisfy { $0.1.isFinite }
    case .null, .bool, .string: true
    }
  }

  /// A short name of the kind of value, for error messages.
  public var kind: String {
    switch self {
    case .null: "null"
    case .bool: "a boolean"
    case .number: "a number"
    case .string: "a string"
    case .array: "an array"
    case .object: "an object"
    }
  }
}

// MARK: Writing

extension JSON {
  /// Compact JSON text, or with `indent` one member per line for objects (arrays of numbers stay on one line).
  /// Doubles are written in the shortest form that reads back to the same bits.
  public func serialized(indent: Bool = true) -> String {
    var out = ""
    write(into: &out, indent: indent ? 0 : nil)
    return out
  }

  private func write(into out: inout String, indent: Int?) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .number(let x): out += JSON.format(x)
    case .string(let s): JSON.writeString(s, into: &out)
    case .array(let items):
      out += "["
      // Arrays of scalars on one line; arrays of arrays one element per line (a matrix reads as rows).
      let nested = indent != nil && items.contains { if case .array = $0 { true } else if case .object = $0 { true } else { false } }
      for (i, item) in items.enumerated() {
        if i > 0 { out += "," }
        if nested, let level = indent { out += "\n" + String(repeating: "  ", count: level + 1) }
        item.write(into: &out, indent: indent.map { $0 + 1 })
      }
      if nested, let level = indent { out += "\n" + String(repeating: "  ", count: level) }
      out += "]"
    case .object(let members):
      out += "{"
      for (i, (key, value)) in members.enumerated() {
        if i > 0 { out += "," }
        if let level = indent { out += "\n" + String(repeating: "  ", count: level + 1) }
        JSON.writeString(key, into: &out)
        out += indent == nil ? ":" : ": "
        value.write(into: &out, indent: indent.map { $0 + 1 })
      }
      if let level = indent, !members.isEmpty { out += "\n" + String(repeating: "  ", count: level) }
      out += "}"
    }
  }

  /// A finite double in the shortest round-trip form; integral values without a trailing ".0".
  static func format(_ x: Double) -> String {
    precondition(x.isFinite, "JSON cannot hold \(x)")
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
  }

  private static func writeString(_ s: String, into out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    out += "\""
  }
}

// MARK: Reading

/// A JSON syntax error with its 1-based line and column.
public struct JSONError: Error, Equatable, CustomStringConvertible {
  public let line: Int
  public let column: Int
  public let message: String
  public var description: String { "line \(line), column \(column): \(message)" }
}

extension JSON {
  /// Parses JSON text (one value, surrounded by optional white space).
  public static func parse(_ text: String) throws(JSONError) -> JSON {
    var parser = Parser(bytes: Array(text.utf8))
    parser.skipSpace()
    let value = try parser.value(depth: 0)
    parser.skipSpace()
    if parser.index < parser.bytes.count { throw parser.error("unexpected text after the JSON value") }
    return value
  }

  private struct Parser {
    let bytes: [UInt8]
    var index = 0

    func error(_ message: String) -> JSONError {
      var line = 1, column = 1
      for b in bytes[..<min(index, bytes.count)] {
        if b == UInt8(ascii: "\n") { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
      }
      return JSONError(line: line, column: column, message: message)
    }

    mutating func skipSpace() {
      while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func value(depth: Int) throws(JSONError) -> JSON {
      guard depth < 256 else { throw error("nested too deeply") }
      guard index < bytes.count else { throw error("unexpected end of input") }
      switch bytes[index] {
      case UInt8(ascii: "{"): return try object(depth: depth)
      case UInt8(ascii: "["): return try array(depth: depth)
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "t"): try literal("true"); return .bool(true)
      case UInt8(ascii: "f"): try literal("false"); return .bool(false)
      case UInt8(ascii: "n"): try literal("null"); return .null
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
      default: throw error("unexpected character '\(String(decoding: [bytes[index]], as: UTF8.self))'")
      }
    }

    mutating func literal(_ word: String) throws(JSONError) {
      let w = Array(word.utf8)
      guard index + w.count <= bytes.count, Array(bytes[index ..< index + w.count]) == w else {
        throw error("expected '\(word)'")
      }
      index += w.count
    }

    mutating func object(depth: Int) throws(JSONError) -> JSON {
      index += 1
      var members: [(String, JSON)] = []
      skipSpace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
      while true {
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a key in quotes") }
        let keyStart = index
        let key = try string()
        if members.contains(where: { $0.0 == key }) { index = keyStart; throw error("duplicate key \"\(key)\"") }
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after the key") }
        index += 1
        skipSpace()
        members.append((key, try value(depth: depth + 1)))
        skipSpace()
        guard index < bytes.count else { throw error("unexpected end of input in an object") }
        if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
        if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
        throw error("expected ',' or '}'")
      }
    }

    mutating func array(depth: Int) throws(JSONError) -> JSON {
      index += 1
      var items: [JSON] = []
      skipSpace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
      while true {
        skipSpace()
        items.append(try value(depth: depth + 1))
        skipSpace()
        guard index < bytes.count else { throw error("unexpected end of input in an array") }
        if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
        if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
        throw error("expected ',' or ']'")
      }
    }

    mutating func string() throws(JSONError) -> String {
      index += 1
      var scalars = String.UnicodeScalarView()
      var raw: [UInt8] = []
      func flush() { scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars); raw.removeAll() }
      while index < bytes.count {
        let b = bytes[index]
        switch b {
        case UInt8(ascii: "\""):
          index += 1
          flush()
          return String(scalars)
        case UInt8(ascii: "\\"):
          flush()
          index += 1
          guard index < bytes.count else { throw error("unfinished escape") }
          let e = bytes[index]
          index += 1
          switch e {
          case UInt8(ascii: "\""): scalars.append("\"")
          case UInt8(ascii: "\\"): scalars.append("\\")
          case UInt8(ascii: "/"): scalars.append("/")
          case UInt8(ascii: "b"): scalars.append("\u{8}")
          case UInt8(ascii: "f"): scalars.append("\u{c}")
          case UInt8(ascii: "n"): scalars.append("\n")
          case UInt8(ascii: "r"): scalars.append("\r")
          case UInt8(ascii: "t"): scalars.append("\t")
          case UInt8(ascii: "u"):
            var code = try hex4()
            if (0xD800..<0xDC00).contains(code), index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"),
               bytes[index + 1] == UInt8(ascii: "u") {
              index += 2
              let low = try hex4()
              guard (0xDC00..<0xE000).contains(low) else { throw error("bad surrogate pair") }
              code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(code) else { throw error("bad \\u escape") }
            scalars.append(scalar)
          default: index -= 1; throw error("unknown escape")
          }
        case 0..<0x20:
          throw error("control character in a string")
        default:
          raw.append(b)
          index += 1
        }
      }
      throw error("unterminated string")
    }

    mutating func hex4() throws(JSONError) -> UInt32 {
      guard index + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[index ..< index + 4], as: UTF8.self), radix: 16)
      else { throw error("bad \\u escape") }
      index += 4
      return v
    }

    mutating func number() throws(JSONError) -> Double {
      let start = index
      func digits() -> Int {
        let s = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - s
      }
      if bytes[index] == UInt8(ascii: "-") { index += 1 }
      guard digits() > 0 else { throw error("bad number") }
      if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
        index += 1
        guard digits() > 0 else { throw error("bad number: digits expected after '.'") }
      }
      if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
        index += 1
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard digits() > 0 else { throw error("bad number: digits expected in the exponent") }
      }
      let text = String(decoding: bytes[start..<index], as: UTF8.self)
      guard let x = Double(text), x.isFinite else { index = start; throw error("number \(text) is out of range") }
      return x
    }
  }
}
