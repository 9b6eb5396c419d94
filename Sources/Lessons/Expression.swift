import Foundation

// The small expression language of `challenge:`, `claim:` and `solution:` lines:
//
//   condition  := comparison ("and" comparison)*
//   comparison := sum ("<" | "<=" | ">" | ">=" | "==") sum          == is equal up to rounding (1e-9)
//   sum        := product (("+" | "-") product)*
//   product    := unary (("*" | "/") unary)*
//   unary      := "-" unary | number | "(" sum ")" | "loss" ["[" index "]"]
//               | ("abs" | "sqrt" | "exp" | "log") "(" sum ")"
//               | ("max" | "min" | "sum" | "mean" | "norm") "(" reference ")"
//               | "dot(" reference "," reference ")" | reference
//   reference  := ["grad"] NAME ["[head" INT "]"] ["[" index ("," index)* "]"]
//   index      := INT | WORD | "\"words\"" | ":"
//   solution   := action ("," action)* ;  action := "train" INT ["lr" number] | reference ("=" | "+=" | "-=" | "*=") number

/// Why an expression does not parse or names nothing; the lesson parser adds the file and line.
public struct ExpressionError: Error, Equatable, CustomStringConvertible {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// One index as written: a number, a word (resolved to a number against the lesson), or `:` for a whole axis.
enum IndexTerm: Sendable, Equatable {
  case at(Int)
  case word(String)
  case all
  /// `a:b`, the indices a ..< b.
  case range(Int, Int)

  var text: String {
    switch self {
    case .at(let i): String(i)
    case .word(let w): "\"\(w)\""
    case .all: ":"
    case .range(let a, let b): "\(a):\(b)"
    }
  }
}

/// A named tensor or its gradient, perhaps one head of it, perhaps one entry or a slice.
struct Reference: Sendable {
  var gradient: Bool
  var name: String
  var head: Int?
  /// Empty for the whole tensor; otherwise one per axis (after the head).
  var indices: [IndexTerm]

  var text: String {
    var s = (gradient ? "grad " : "") + name
    if let head { s += "[head \(head)]" }
    if !indices.isEmpty { s += "[" + indices.map(\.text).joined(separator: ",") + "]" }
    return s
  }
}

/// A reduction of a slice to one number.
enum Aggregate: String, Sendable, CaseIterable {
  case max, min, sum, mean
  /// √Σx², the length of the slice as a vector.
  case norm
}

/// A function of one number.
enum Function: String, Sendable, CaseIterable {
  case abs, sqrt, exp, log

  func callAsFunction(_ x: Double) -> Double {
    switch self {
    case .abs: Swift.abs(x)
    case .sqrt: x.squareRoot()
    case .exp: Foundation.exp(x)
    case .log: Foundation.log(x)
    }
  }
}

enum Operator: String, Sendable {
  case add = "+", subtract = "-", multiply = "*", divide = "/"

  func callAsFunction(_ a: Double, _ b: Double) -> Double {
    switch self {
    case .add: a + b
    case .subtract: a - b
    case .multiply: a * b
    case .divide: a / b
    }
  }
}

indirect enum Term: Sendable {
  case number(Double)
  /// The mean loss, or one position's cross-entropy.
  case loss(IndexTerm?)
  case entry(Reference)
  case negate(Term)
  case binary(Operator, Term, Term)
  case function(Function, Term)
  case aggregate(Aggregate, Reference)
  /// Σ aᵢ·bᵢ over two slices of one size.
  case dot(Reference, Reference)
}

enum Relation: String, Sendable, CaseIterable {
  case lessOrEqual = "<=", greaterOrEqual = ">=", less = "<", greater = ">", equal = "=="

  func holds(_ a: Double, _ b: Double) -> Bool {
    switch self {
    case .less: a < b
    case .lessOrEqual: a <= b
    case .greater: a > b
    case .greaterOrEqual: a >= b
    // Equal up to rounding: what survives the different order of additions in two ways of computing a number.
    case .equal: Swift.abs(a - b) <= 1e-9 * Swift.max(1, Swift.abs(a), Swift.abs(b))
    }
  }
}

struct Comparison: Sendable {
  var lhs: Term
  var relation: Relation
  var rhs: Term
}

/// A parsed `challenge:` or `claim:`: comparisons joined by `and`, true when all hold.
public struct Condition: Sendable {
  var comparisons: [Comparison]
  /// Whether words have been turned into indices and every name checked against a block.
  var isResolved = false

  /// Parses the text of a condition (words stay words until it is resolved against a lesson).
  public init(parsing source: String) throws(ExpressionError) {
    var parser = try ExpressionParser(source)
    comparisons = try parser.condition()
  }
}

/// One change a `solution:` makes.
enum SolutionAction: Sendable {
  enum Operation: String, Sendable, CaseIterable { case add = "+=", subtract = "-=", multiply = "*=", assign = "=" }
  /// Change the entries of a parameter.
  case edit(Reference, Operation, Double)
  /// Take SGD steps, at the lesson's lr unless one is given.
  case train(steps: Int, lr: Double?)
  /// Turn a switch on or off (`causal off`).
  case toggle(Toggle, Bool)
}

/// A parsed `solution:`: how the lesson says a challenge is reached, applied in order to the seeded parameters.
public struct Solution: Sendable {
  var actions: [SolutionAction]

  /// Parses the text of a solution (words stay words until it is resolved against a lesson).
  public init(parsing source: String) throws(ExpressionError) {
    var parser = try ExpressionParser(source)
    actions = try parser.solution()
  }
}

// MARK: Lexing

private enum Lexeme: Equatable {
  case number(Double)
  case name(String)
  /// A quoted word.
  case word(String)
  case symbol(String)
  case end

  var shown: String {
    switch self {
    case .number(let x): "\(x)"
    case .name(let n): n
    case .word(let w): "\"\(w)\""
    case .symbol(let s): s
    case .end: "the end of the line"
    }
  }
}

private func lex(_ source: String) throws(ExpressionError) -> [Lexeme] {
  let chars = Array(source)
  var out: [Lexeme] = []
  var i = 0
  func isNameStart(_ c: Character) -> Bool { c.isLetter || c == "_" }
  func isNamePart(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "." }
  while i < chars.count {
    let c = chars[i]
    if c.isWhitespace { i += 1; continue }
    if c.isASCII && (c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isASCII && chars[i + 1].isNumber)) {
      var j = i
      while j < chars.count, chars[j].isASCII, chars[j].isNumber || chars[j] == "." { j += 1 }
      // An exponent: e or E, an optional sign, then digits.
      if j < chars.count, chars[j] == "e" || chars[j] == "E" {
        var k = j + 1
        if k < chars.count, chars[k] == "+" || chars[k] == "-" { k += 1 }
        if k < chars.count, chars[k].isASCII, chars[k].isNumber {
          while k < chars.count, chars[k].isASCII, chars[k].isNumber { k += 1 }
          j = k
        }
      }
      let text = String(chars[i..<j])
      guard let x = Double(text), x.isFinite else { throw ExpressionError("\(text) is not a number") }
      out.append(.number(x))
      i = j
    } else if isNameStart(c) {
      var j = i
      while j < chars.count, isNamePart(chars[j]) { j += 1 }
      out.append(.name(String(chars[i..<j])))
      i = j
    } else if c == "\"" || c == "“" {
      let close: Character = c == "“" ? "”" : "\""
      guard let end = chars[(i + 1)...].firstIndex(of: close) else {
        throw ExpressionError("a word in quotes is missing its closing \(close)")
      }
      out.append(.word(String(chars[(i + 1)..<end])))
      i = end + 1
    } else {
      let two = i + 1 < chars.count ? String(chars[i...i + 1]) : ""
      if ["<=", ">=", "==", "+=", "-=", "*="].contains(two) {
        out.append(.symbol(two))
        i += 2
      } else if c == "≤" || c == "≥" {
        out.append(.symbol(c == "≤" ? "<=" : ">="))
        i += 1
      } else if "[](),:<>=+-*/".contains(c) {
        out.append(.symbol(String(c)))
        i += 1
      } else {
        throw ExpressionError("unexpected \"\(c)\"")
      }
    }
  }
  out.append(.end)
  return out
}

// MARK: Parsing

private struct ExpressionParser {
  private let lexemes: [Lexeme]
  private var position = 0
  /// How deeply terms nest (`-`, `abs(`): bounded so a hostile line cannot exhaust the stack.
  private var depth = 0

  init(_ source: String) throws(ExpressionError) {
    lexemes = try lex(source)
  }

  private var current: Lexeme { lexemes[position] }
  private var following: Lexeme { lexemes[min(position + 1, lexemes.count - 1)] }
  private mutating func advance() { position = min(position + 1, lexemes.count - 1) }

  private mutating func expect(_ symbol: String, _ context: String) throws(ExpressionError) {
    guard current == .symbol(symbol) else { throw ExpressionError("expected \(symbol) \(context), found \(current.shown)") }
    advance()
  }

  private mutating func expectEnd() throws(ExpressionError) {
    guard current == .end else { throw ExpressionError("unexpected \(current.shown) after a complete expression") }
  }

  /// One or more items with `separator` between them, filling the line.
  private mutating func items<T>(separatedBy separator: Lexeme,
                                 _ item: (inout ExpressionParser) throws(ExpressionError) -> T) throws(ExpressionError) -> [T] {
    var out = [try item(&self)]
    while current == separator {
      advance()
      out.append(try item(&self))
    }
    try expectEnd()
    return out
  }

  mutating func condition() throws(ExpressionError) -> [Comparison] {
    try items(separatedBy: .name("and")) { parser throws(ExpressionError) in try parser.comparison() }
  }

  private mutating func comparison() throws(ExpressionError) -> Comparison {
    let lhs = try sum()
    guard case .symbol(let s) = current, let relation = Relation(rawValue: s) else {
      throw ExpressionError("expected <, <=, >, >= or == after the first value, found \(current.shown)")
    }
    advance()
    return Comparison(lhs: lhs, relation: relation, rhs: try sum())
  }

  private mutating func sum() throws(ExpressionError) -> Term {
    var out = try product()
    while case .symbol(let s) = current, s == "+" || s == "-", let op = Operator(rawValue: s) {
      advance()
      out = .binary(op, out, try product())
    }
    return out
  }

  private mutating func product() throws(ExpressionError) -> Term {
    var out = try unary()
    while case .symbol(let s) = current, s == "*" || s == "/", let op = Operator(rawValue: s) {
      advance()
      out = .binary(op, out, try unary())
    }
    return out
  }

  private mutating func unary() throws(ExpressionError) -> Term {
    depth += 1
    defer { depth -= 1 }
    guard depth <= 32 else { throw ExpressionError("the expression nests too deeply") }
    switch current {
    case .number(let x):
      advance()
      return .number(x)
    case .symbol("-"):
      advance()
      return .negate(try unary())
    case .symbol("("):
      advance()
      let inner = try sum()
      try expect(")", "to close (")
      return inner
    case .name("loss"):
      advance()
      guard current == .symbol("[") else { return .loss(nil) }
      advance()
      let index = try self.index()
      try expect("]", "after the position of loss[…]")
      return .loss(index)
    case .name(let n) where following == .symbol("("):
      advance()
      advance()
      let out: Term
      if let function = Function(rawValue: n) {
        out = .function(function, try sum())
      } else if let aggregate = Aggregate(rawValue: n) {
        out = .aggregate(aggregate, try reference())
      } else if n == "dot" {
        let a = try reference()
        try expect(",", "between the two tensors of dot(")
        out = .dot(a, try reference())
      } else {
        let known = (Function.allCases.map(\.rawValue) + Aggregate.allCases.map(\.rawValue) + ["dot"]).joined(separator: ", ")
        throw ExpressionError("unknown function \(n)( (functions: \(known))")
      }
      try expect(")", "to close \(n)(")
      return out
    case .name:
      return .entry(try reference())
    default:
      throw ExpressionError("expected a number, loss, a tensor or a function such as max(…), found \(current.shown)")
    }
  }

  mutating func reference() throws(ExpressionError) -> Reference {
    var gradient = false
    if current == .name("grad"), case .name = following {
      gradient = true
      advance()
    }
    guard case .name(let name) = current else {
      throw ExpressionError("expected a tensor name such as probs or q_linear.weight, found \(current.shown)")
    }
    advance()
    var ref = Reference(gradient: gradient, name: name, head: nil, indices: [])
    guard current == .symbol("[") else { return ref }
    advance()
    if current == .name("head"), case .number = following {
      advance()
      guard case .number(let h) = current, let head = Int(exactly: h) else {
        throw ExpressionError("the head must be a whole number, found \(current.shown)")
      }
      ref.head = head
      advance()
      try expect("]", "after [head \(head)")
      guard current == .symbol("[") else { return ref }
      advance()
    }
    ref.indices.append(try index())
    while current == .symbol(",") {
      advance()
      ref.indices.append(try index())
    }
    try expect("]", "to close \(name)[…")
    return ref
  }

  private mutating func index() throws(ExpressionError) -> IndexTerm {
    defer { advance() }
    switch current {
    case .number(let x):
      guard let i = Int(exactly: x), i >= 0 else { throw ExpressionError("an index must be a whole number ≥ 0, found \(current.shown)") }
      guard following == .symbol(":") else { return .at(i) }
      advance()
      advance()
      guard case .number(let y) = current, let j = Int(exactly: y), j > i else {
        throw ExpressionError("a range \(i):b needs a whole number b > \(i), found \(current.shown)")
      }
      return .range(i, j)
    case .name(let w), .word(let w): return .word(w)
    case .symbol(":"): return .all
    default: throw ExpressionError("expected an index (a number, a word or :), found \(current.shown)")
    }
  }

  mutating func solution() throws(ExpressionError) -> [SolutionAction] {
    try items(separatedBy: .symbol(",")) { parser throws(ExpressionError) in try parser.action() }
  }

  private mutating func action() throws(ExpressionError) -> SolutionAction {
    if current == .name("train") {
      advance()
      guard case .number(let x) = current, let steps = Int(exactly: x), steps >= 1, steps <= 100_000 else {
        throw ExpressionError("train needs a whole number of steps from 1 to 100000, found \(current.shown)")
      }
      advance()
      var lr: Double?
      if current == .name("lr") {
        advance()
        guard case .number(let x) = current else { throw ExpressionError("expected a learning rate after lr, found \(current.shown)") }
        lr = x
        advance()
      }
      return .train(steps: steps, lr: lr)
    }
    if case .name(let n) = current, let toggle = Toggle(rawValue: n), case .name(let state) = following,
       state == "on" || state == "off" {
      advance()
      advance()
      return .toggle(toggle, state == "on")
    }
    let ref = try reference()
    guard case .symbol(let s) = current, let operation = SolutionAction.Operation(rawValue: s) else {
      throw ExpressionError("expected =, +=, -= or *= after \(ref.text), found \(current.shown)")
    }
    advance()
    var sign = 1.0
    if current == .symbol("-") {
      sign = -1
      advance()
    }
    guard case .number(let x) = current else { throw ExpressionError("expected a number after \(s), found \(current.shown)") }
    advance()
    return .edit(ref, operation, sign * x)
  }
}
