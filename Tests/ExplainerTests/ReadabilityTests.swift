import Foundation
import Testing
@testable import Explainer
@testable import Lessons

/// Every screen of every shipped lesson and of the tour, at 80×24 and 100×30, read as a student would: titles
/// cut only between words, the selected entry in view, nothing written over the numbers.
struct ReadabilityTests {
  static let sizes = [(80, 24), (100, 30)]

  /// Each step's screen, with its lesson, step and size for messages.
  static func screens() throws -> [(place: String, step: LessonStep, lines: [String])] {
    var out: [(String, LessonStep, [String])] = []
    for lesson in try LessonLibrary.all() + [ExplainerApp.tour()] {
      for (n, step) in lesson.steps.enumerated() {
        let app = ExplainerApp(lesson: lesson, step: n, capabilities: Capabilities(colors: .none))
        for (w, h) in sizes {
          out.append(("\(lesson.title) step \(n + 1) at \(w)×\(h)", step, app.view(width: w, height: h).lines))
        }
      }
    }
    return out
  }

  @Test func shorteningCutsBetweenWords() {
    #expect(Format.shortened("Exponentiate, then divide by the row's sum", to: 30) == "Exponentiate, then divide by…")
    #expect(Format.shortened("K and V: the same layer, other weights", to: 27) == "K and V: the same layer…")
    #expect(Format.shortened("K and V: the same layer, other weights", to: 38) == "K and V: the same layer, other weights")
    // A cut that falls right after a word keeps it.
    #expect(Format.shortened("one two three", to: 8) == "one two…")
    #expect(Format.shortened("Supercalifragilistic", to: 8) == "Superca…")
    #expect(Format.shortened("abc def", to: 1) == "a")
    #expect(Format.shortened("abc def", to: 6, ellipsis: "...") == "abc...")
  }

  @Test func theTopBarNeverCutsATitleMidWord() throws {
    for (place, step, lines) in try Self.screens() {
      let header = lines[0]
      #expect(header.contains("loss "), "\(place): \(header)")
      let shown = header.drop { $0 == " " }.replacingOccurrences(of: "qkv │ ", with: "")
      let title = shown.split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
      if header.contains(step.title) { continue }
      // Cut: what is shown is whole words of the title, then "…".
      let cut = title.components(separatedBy: "…").first ?? ""
      #expect(title.contains("…") && step.title.hasPrefix(cut), "\(place): \(header)")
      let next = step.title.dropFirst(cut.count).first
      #expect(next == " " || next == "," || next == ":" || next == ";", "\(place): cut mid-word: \(header)")
    }
  }

  @Test func theSelectedEntryIsAlwaysInView() throws {
    for (place, _, lines) in try Self.screens() {
      // The cursor cell: the mark right before a number (a title's mark is followed by a name).
      let panels = lines.dropFirst().dropLast(4)
      #expect(panels.contains { $0.range(of: "▸ *-?[0-9.∞]", options: .regularExpression) != nil },
              "\(place): the selected entry is not on screen\n\(lines.joined(separator: "\n"))")
    }
  }

  @Test func scrollMarksSitInBlankSpace() throws {
    for (place, _, lines) in try Self.screens() {
      for line in lines where line.contains("↓ more") || line.contains("↑ more") {
        #expect(line.contains("  ↓ more (Tab)") || line.contains("  ↑ more") || line.hasPrefix(" ↓") || line.hasPrefix(" ↑"),
                "\(place): \(line)")
      }
    }
    // The case that used to lose a number: lesson 9's loss table under the scroll mark.
    let lesson = try #require(try LessonLibrary.all().first { $0.number == 9 })
    let lines = ExplainerApp(lesson: lesson, step: 3, capabilities: Capabilities(colors: .none)).view(width: 80, height: 24).lines
    for row in lines where row.contains("mat    → the") { #expect(row.hasSuffix("0.121   2.111"), "\(row)") }
  }

  @Test func aLongChallengeWrapsUnderItselfOrEndsWithAnEllipsis() throws {
    // Two steps with goals too long for one line (the shipped lessons keep theirs short, so they are written here).
    let heads = try Lesson.parse("""
      ---
      text: the cat sat on the mat
      d_model: 8
      heads: 2
      seed: 6
      ---
      # Heads
      ## Point the heads at different words
      Make sat give more than 0.6 of head 0 to cat and of head 1 to on. q_linear.bias[0–3] only touch head 0,
      q_linear.bias[4–7] only head 1.

      stage: qkv
      challenge: probs[head 0]["sat","cat"] > 0.6 and probs[head 1]["sat","on"] > 0.6
      ## O mixes the heads
      attn_out = attention·Woᵀ + bo. Row 0 of o_linear.weight reads all 8 columns, so attn_out[·,0] hears both
      heads. Zero its head-0 half, and attn_out[·,0] comes from head 1 alone.

      stage: output
      challenge: attn_out["sat",0] == dot(attention["sat",4:8], o_linear.weight[0,4:8]) + o_linear.bias[0]
      """, file: "/tmp/06-heads.md")
    // Two lines of prose leave room for the whole goal on two lines.
    let four = ExplainerApp(lesson: heads, step: 0, capabilities: Capabilities(colors: .none)).view(width: 80, height: 24).lines
    let start = try #require(four.firstIndex { $0.hasPrefix(" Challenge: [ ] ") })
    #expect(four[start + 1].hasPrefix(String(repeating: " ", count: 12)) && four[start + 1].hasSuffix("> 0.6"))
    // Three lines of prose leave one line, which says it goes on.
    let five = ExplainerApp(lesson: heads, step: 1, capabilities: Capabilities(colors: .none)).view(width: 80, height: 24).lines
    let line = try #require(five.first { $0.hasPrefix(" Challenge: ") })
    #expect(line.hasSuffix(" …") && line.count <= 80)
    #expect(five[1...3].allSatisfy { !$0.hasSuffix("…") }, "the prose stays whole")
  }

  @Test func aHeatmapTitleLosesWholeWords() {
    var map = Heatmap(title: "mask (causal: −∞ above the diagonal)", values: .init(shape: [6, 6], data: Array(repeating: 0, count: 36)),
                      rowLabels: [], columnLabels: [])
    let theme = Theme(Capabilities(colors: .none))
    #expect(map.heading(width: 60, theme: theme) == "mask (causal: −∞ above the diagonal)  6×6")
    #expect(map.heading(width: 36, theme: theme) == "mask (causal: −∞ above the…  6×6")
    map.selected = true
    #expect(map.heading(width: 12, theme: theme) == "▸ mask…")
  }

  @Test func theGraphNamesTheCancelledGradientWhole() throws {
    let tour = ExplainerApp.tour()
    let step = try #require(tour.steps.firstIndex { $0.stage == .graph })
    for (w, h) in Self.sizes {
      let screen = ExplainerApp(lesson: tour, step: step).view(width: w, height: h).lines.joined(separator: "\n")
      #expect(screen.contains("≈0 by cancellation: k_linear.bias"), "\(w)×\(h)")
      #expect(screen.contains("every value receives a gradient: no break in the chain"))
    }
  }
}

/// `Format.fixed` writes digits straight into the string; the plain construction it replaced is the reference.
struct FixedFormatTests {
  static func reference(_ x: Double, decimals: Int) -> String {
    let powers: [Double] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000]
    let d = min(max(decimals, 0), powers.count - 1)
    let whole = Int((abs(x) * powers[d]).rounded())
    let p = Int(powers[d])
    var text = String(whole / p)
    if d > 0 {
      let fraction = String(whole % p)
      text += "." + String(repeating: "0", count: d - fraction.count) + fraction
    }
    return (x < 0 ? "-" : "") + text
  }

  @Test func matchesThePlainConstruction() {
    var values: [Double] = [0, -0.0, 1, -1, 0.004, -0.004, 0.005, -0.005, 9.995, -9.995, 0.31, -0.31, 123.456,
                            1e-9, -1e-9, 99_999.999, 1e13, -1e13]
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for _ in 0..<2_000 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let unit = Double(state >> 11) * 0x1p-53
      values.append((unit - 0.5) * pow(10, Double(Int(state % 9)) - 3))
    }
    for x in values {
      for decimals in 0...8 where (abs(x) * pow(10, Double(decimals))).rounded() < 1e15 {
        #expect(Format.fixed(x, decimals: decimals) == Self.reference(x, decimals: decimals), "\(x), \(decimals) decimals")
      }
    }
    #expect(Format.fixed(-0.001, decimals: 2) == "-0.00")
    #expect(Format.fixed(3.14159, decimals: 0) == "3")
    #expect(Format.fixed(0.5, decimals: 3) == "0.500")
  }
}
