import Explainer
import Foundation
import Testing
import _CNcurses

@testable import Terminal

/// The real ncurses screen and run loop, headless: newterm on /dev/null with keys read from a file.
/// Serialized because ncurses' state is global.
@Suite(.serialized) struct ScreenTests {
  /// Runs `program` on an xterm-256color screen (80×24 from terminfo) fed with `keys`, then hands the live
  /// screen to `inspect` before tearing it down.
  func run(_ program: inout DemoProgram, keys: [UInt8], capabilities: Capabilities = Capabilities(),
           signals: [Int32] = [], inspect: (inout Screen) -> Void = { _ in })
    throws -> Result<TerminalSession.Ending, TerminalError>
  {
    let previousLocale = String(cString: setlocale(LC_CTYPE, nil))
    try #require(setlocale(LC_CTYPE, "C.UTF-8") != nil, "the C.UTF-8 locale is needed to decode UTF-8 keys")
    defer { setlocale(LC_CTYPE, previousLocale) }

    let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("qkv-keys-\(UUID().uuidString)")
    try Data(keys).write(to: keyFile)
    defer { try? FileManager.default.removeItem(at: keyFile) }
    let output = try #require(fopen("/dev/null", "w"))
    defer { fclose(output) }
    let input = try #require(fopen(keyFile.path, "r"))
    defer { fclose(input) }

    var screen = try #require(Screen(capabilities: capabilities, type: "xterm-256color", output: output, input: input))
    defer { screen.end() }
    var pendingSignals = signals[...]
    let ending = Result { () throws(TerminalError) in
      try TerminalSession.loop(&program, screen: &screen, interrupted: { pendingSignals.popFirst() })
    }
    inspect(&screen)
    return ending
  }

  /// What ncurses holds for one cell: the text, the attributes and the pair's colours.
  struct ShownCell: Equatable {
    var text: String
    var bold = false, dim = false, reverse = false, underline = false
    var foreground: Int32 = -1, background: Int32 = -1
  }

  func shown(x: Int, y: Int) -> ShownCell {
    var character = cchar_t()
    mvwin_wch(qkv_stdscr(), Int32(y), Int32(x), &character)
    var text = [wchar_t](repeating: 0, count: Int(CCHARW_MAX) + 1)
    var attributes: attr_t = 0
    var pair: Int16 = 0
    getcchar(&character, &text, &attributes, &pair, nil)
    // Pair 0 is the terminal's default colours (and the only pair without start_color).
    var foreground: Int16 = -1
    var background: Int16 = -1
    if pair != 0 { pair_content(pair, &foreground, &background) }
    let scalars = text.prefix { $0 != 0 }.compactMap { Unicode.Scalar(UInt32(bitPattern: $0)) }
    return ShownCell(
      text: String(String.UnicodeScalarView(scalars)),
      bold: attributes & qkv_a_bold() != 0, dim: attributes & qkv_a_dim() != 0,
      reverse: attributes & qkv_a_reverse() != 0, underline: attributes & qkv_a_underline() != 0,
      foreground: Int32(foreground), background: Int32(background))
  }

  func shownRow(_ y: Int, count: Int) -> String { (0..<count).map { shown(x: $0, y: y).text }.joined() }

  @Test func keysAreDecodedFromTheTerminalsEscapeSequences() throws {
    // xterm-256color in keypad mode: arrows \EO…, Shift-Tab \E[Z, PageDown \E[6~, F1 \EOP, Backspace ^?.
    let keys = Array("n\t\u{1B}[Z\u{1B}OA\u{1B}OB\u{1B}[6~\u{1B}OP\u{7F}\r\u{5}é+".utf8) + [UInt8(ascii: "q")]
    var program = DemoProgram()
    let ending = try run(&program, keys: keys)
    #expect(try ending.get() == .quit)
    let expected: [Message] = [
      .resize(width: 80, height: 24), .key(.character("n")), .key(.tab), .key(.backTab), .key(.up), .key(.down),
      .key(.pageDown), .key(.function(1)), .key(.backspace), .key(.enter), .key(.control("e")),
      .key(.character("é")), .key(.character("+")), .key(.character("q")),
    ]
    #expect(program.messages == expected)
  }

  @Test func cellsAreDrawnWithTheirSymbolsAttributesAndColours() throws {
    var program = DemoProgram()
    var cells: [String: ShownCell] = [:]
    var rows: [String] = []
    _ = try run(&program, keys: Array("q".utf8)) { _ in
      cells["title"] = shown(x: 0, y: 0)
      cells["reverse"] = shown(x: 0, y: 1)
      cells["heat"] = shown(x: 0, y: 2)
      cells["dim"] = shown(x: 0, y: 3)
      cells["corner"] = shown(x: 79, y: 23)
      rows = [shownRow(0, count: 10), shownRow(1, count: 10)]
    }
    #expect(rows == ["demo 80x24", "∂loss/∂W é"])
    #expect(cells["title"] == ShownCell(text: "d", bold: true, foreground: 1, background: 4))
    #expect(cells["reverse"] == ShownCell(text: "∂", reverse: true))
    #expect(cells["heat"] == ShownCell(text: "0", underline: true, foreground: 231, background: 202))
    #expect(cells["dim"] == ShownCell(text: "d", dim: true))
    #expect(cells["corner"] == ShownCell(text: "Z"))
  }

  @Test func basicColoursAreMappedDownAndMonochromeHasNone() throws {
    var basic = DemoProgram()
    var heat: ShownCell?
    _ = try run(&basic, keys: Array("q".utf8), capabilities: Capabilities(colors: .basic)) { _ in
      heat = shown(x: 0, y: 2)
    }
    #expect(heat == ShownCell(text: "0", underline: true, foreground: 7, background: 1))
    var monochrome = DemoProgram()
    _ = try run(&monochrome, keys: Array("q".utf8), capabilities: Capabilities(colors: .none)) { _ in
      heat = shown(x: 0, y: 2)
    }
    #expect(heat == ShownCell(text: "0", underline: true, foreground: -1, background: -1))
  }

  @Test func onlyChangedCellsAreRedrawnUntilAClear() throws {
    // Scribble on the screen behind the backend's back: a diffed redraw leaves it, a full redraw paints over it.
    var program = DemoProgram()
    var afterDiff: [String] = []
    var afterClear: [String] = []
    _ = try run(&program, keys: Array("q".utf8)) { screen in
      mvwaddstr(qkv_stdscr(), 0, 0, "#")
      mvwaddstr(qkv_stdscr(), 3, 10, "#")
      var changed = DemoProgram()
      _ = changed.update(.key(.character("x")))
      screen.draw(changed.view(width: 80, height: 24))
      afterDiff = [shown(x: 0, y: 0).text, shown(x: 10, y: 3).text]
      screen.clearAll()
      screen.draw(changed.view(width: 80, height: 24))
      afterClear = [shown(x: 0, y: 0).text, shown(x: 10, y: 3).text]
    }
    #expect(afterDiff == ["#", "X"])
    #expect(afterClear == ["d", "X"])
  }

  @Test func ticksArriveWhileAProgramAsksForThem() throws {
    var program = DemoProgram(ticksToQuit: 3, tickInterval: .milliseconds(1))
    let ending = try run(&program, keys: [])
    #expect(try ending.get() == .quit)
    #expect(program.messages.filter { $0 == .tick }.count == 3)
  }

  @Test func signalsEndTheLoop() throws {
    for signal in [SIGINT, SIGTERM, SIGHUP] {
      var program = DemoProgram()
      let ending = try run(&program, keys: Array("nq".utf8), signals: [signal])
      #expect(try ending.get() == .signal(signal))
      #expect(program.messages == [.resize(width: 80, height: 24)])
    }
  }

  @Test func ctrlCIsAKeyWhileTheProgramCapturesIt() throws {
    var program = DemoProgram(capturesInterrupt: true)
    let ending = try run(&program, keys: Array("q".utf8), signals: [SIGINT])
    #expect(try ending.get() == .quit)
    #expect(program.messages == [.resize(width: 80, height: 24), .key(.control("c")), .key(.character("q"))])
    var terminated = DemoProgram(capturesInterrupt: true)
    #expect(try run(&terminated, keys: Array("q".utf8), signals: [SIGTERM]).get() == .signal(SIGTERM))
  }

  @Test func inputThatEndsIsAnErrorNotASpin() throws {
    var program = DemoProgram()
    let ending = try run(&program, keys: Array("n".utf8))
    #expect(throws: TerminalError.inputClosed) { try ending.get() }
    #expect(program.messages == [.resize(width: 80, height: 24), .key(.character("n"))])
  }

  @Test func symbolsThatDoNotFitOneCellBecomeAQuestionMark() throws {
    let previousLocale = String(cString: setlocale(LC_CTYPE, nil))
    try #require(setlocale(LC_CTYPE, "C.UTF-8") != nil)
    defer { setlocale(LC_CTYPE, previousLocale) }
    let question = wchar_t(UInt8(ascii: "?"))
    #expect(Screen.wideCharacters("a") == [wchar_t(UInt8(ascii: "a")), 0])
    #expect(Screen.wideCharacters("─") == [0x2500, 0])
    #expect(Screen.wideCharacters("e\u{301}") == [wchar_t(UInt8(ascii: "e")), 0x301, 0])
    #expect(Screen.wideCharacters("\t") == [question, 0])
    #expect(Screen.wideCharacters("漢") == [question, 0])
    setlocale(LC_CTYPE, "C")
    #expect(Screen.wideCharacters("─") == [question, 0])
  }

  @Test(arguments: [("UTF-8", true), ("utf8", true), ("UTF8", true), ("ANSI_X3.4-1968", false), ("ISO-8859-1", false)])
  func utf8Codesets(codeset: String, isUTF8: Bool) {
    #expect(TerminalSession.isUTF8(codeset) == isUTF8)
  }
}
