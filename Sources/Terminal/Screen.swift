import Explainer
import _CNcurses

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ncurses' standard screen: set up in curses mode, drawn by blitting the cells that changed, torn down by `end`.
/// The only type that draws; there is one at a time (ncurses' state is global).
struct Screen {
  private var mapping: ColorMapping
  private var pairs: ColorPairs?
  private var attributeMasks: (bold: attr_t, dim: attr_t, reverse: attr_t, underline: attr_t)
  /// The screen newterm made (nil for initscr's, which lives as long as the process).
  private var ownScreen: OpaquePointer?
  /// What the terminal shows now; nil after a clear, so the next frame is drawn in full.
  private var shown: Buffer?

  /// Enters curses mode on the process's terminal. Only after the start-up checks: initscr exits the process
  /// on a bad TERM.
  init(capabilities: Capabilities) {
    initscr()
    self.init(configuring: capabilities)
  }

  /// Enters curses mode on any pair of streams, as terminal `type` (tests: output to /dev/null, keys from a file).
  /// Nil when ncurses does not know the type.
  init?(capabilities: Capabilities, type: String, output: UnsafeMutablePointer<FILE>,
        input: UnsafeMutablePointer<FILE>) {
    use_env(false)  // the size comes from terminfo, not from LINES and COLUMNS of whoever runs the tests
    guard let screen = newterm(type, output, input) else { return nil }
    set_term(screen)
    self.init(configuring: capabilities)
    ownScreen = screen
  }

  private init(configuring capabilities: Capabilities) {
    cbreak()  // keys arrive one by one; Ctrl-C still raises SIGINT, which the run loop turns into a clean exit
    noecho()
    keypad(qkv_stdscr(), true)
    set_escdelay(25)  // Esc alone is reported after 25 ms instead of ncurses' default second
    curs_set(0)
    var mapping = ColorMapping(colors: capabilities.colors, terminalColors: 0, defaultColors: false)
    if capabilities.colors != .none, has_colors() {
      start_color()
      mapping.defaultColors = use_default_colors() == OK
      mapping.terminalColors = Int(qkv_colors())
      let zero = ColorPairs.Colors(foreground: mapping.number(.default, background: false),
                                   background: mapping.number(.default, background: true))
      pairs = ColorPairs(pairs: Int(qkv_color_pairs()), pairZero: zero)
    } else {
      mapping.colors = .none
    }
    self.mapping = mapping
    attributeMasks = (qkv_a_bold(), qkv_a_dim(), qkv_a_reverse(), qkv_a_underline())
  }

  /// Leaves curses mode: the terminal is back as the shell left it (echo, line editing, cursor).
  func end() {
    curs_set(1)
    endwin()
    if let ownScreen { delscreen(ownScreen) }
  }

  /// The terminal's size in cells.
  var size: (width: Int, height: Int) {
    var rows: Int32 = 0
    var columns: Int32 = 0
    qkv_screen_size(&rows, &columns)
    return (Int(columns), Int(rows))
  }

  /// Forgets what is on screen and clears it, so the next `draw` paints every cell (after a resize).
  mutating func clearAll() {
    wclear(qkv_stdscr())
    shown = nil
  }

  /// Paints the cells of `frame` that differ from the last frame, then shows them.
  mutating func draw(_ frame: Buffer) {
    let (width, height) = size
    for (x, y) in frame.changes(from: shown) where x < width && y < height {
      if let cell = frame[x, y] { put(cell, x: x, y: y) }
    }
    shown = frame
    wrefresh(qkv_stdscr())
  }

  private mutating func put(_ cell: Cell, x: Int, y: Int) {
    var attributes = qkv_a_normal()
    if cell.style.bold { attributes |= attributeMasks.bold }
    if cell.style.dim { attributes |= attributeMasks.dim }
    if cell.style.reverse { attributes |= attributeMasks.reverse }
    if cell.style.underline { attributes |= attributeMasks.underline }
    let pair = colorPair(cell.style)
    var character = cchar_t()
    let text = Self.wideCharacters(cell.symbol)
    setcchar(&character, text, attributes, pair, nil)
    // At the bottom-right cell add_wch cannot move the cursor on and returns ERR, but the cell is drawn.
    mvadd_wch(Int32(y), Int32(x), &character)
  }

  private mutating func colorPair(_ style: Style) -> Int16 {
    let colors = ColorPairs.Colors(foreground: mapping.number(style.foreground, background: false),
                                   background: mapping.number(style.background, background: true))
    guard let assignment = pairs?.pair(colors) else { return 0 }  // nil: monochrome
    if assignment.isNew { init_pair(assignment.number, colors.foreground, colors.background) }
    return assignment.number
  }

  /// The symbol as the NUL-terminated wide string setcchar wants: one spacing character of width 1 and up to
  /// four combining marks. Anything the locale cannot show in one cell (controls, wide or unknown characters)
  /// becomes "?" so the columns stay aligned.
  static func wideCharacters(_ symbol: Character) -> [wchar_t] {
    var scalars = symbol.unicodeScalars.makeIterator()
    guard let first = scalars.next(), qkv_wcwidth(wchar_t(bitPattern: first.value)) == 1 else {
      return [wchar_t(UInt8(ascii: "?")), 0]
    }
    var text = [wchar_t(bitPattern: first.value)]
    while let mark = scalars.next(), text.count < Int(CCHARW_MAX) {
      let wide = wchar_t(bitPattern: mark.value)
      if qkv_wcwidth(wide) == 0 { text.append(wide) }
    }
    text.append(0)
    return text
  }
}
