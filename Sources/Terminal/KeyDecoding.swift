import Explainer
import _CNcurses

/// What one `get_wch` result means to the run loop.
enum Input: Equatable {
  case key(Key)
  /// The terminal changed size; the new size is read from ncurses.
  case resize
}

/// Turns `get_wch`'s (status, value) into a key; nil for what the explainer has no use for.
enum KeyDecoding {
  /// `status` is OK for a character, KEY_CODE_YES for a function key; anything else is no input.
  static func decode(status: Int32, value: UInt32) -> Input? {
    switch status {
    case OK: return character(value).map(Input.key)
    case KEY_CODE_YES: return functionKey(Int32(truncatingIfNeeded: value))
    default: return nil
    }
  }

  /// A character from the keyboard: control codes first, then any printable Unicode scalar.
  static func character(_ value: UInt32) -> Key? {
    switch value {
    case 9: return .tab
    case 10, 13: return .enter
    case 27: return .escape
    case 8, 127: return .backspace  // ^H or ^?, depending on the terminal's erase character
    case 1...26:
      // Ctrl-A … Ctrl-Z arrive as 1…26 (9, 10, 13 and 8 are taken above).
      guard let letter = Unicode.Scalar(UInt32(96) + value) else { return nil }
      return .control(Character(letter))
    case 0..<32, 128..<160: return nil  // other C0 and C1 controls
    default:
      guard let scalar = Unicode.Scalar(value) else { return nil }
      return .character(Character(scalar))
    }
  }

  /// A key ncurses decoded from an escape sequence (keypad mode).
  static func functionKey(_ code: Int32) -> Input? {
    switch code {
    case KEY_RESIZE: return .resize
    case KEY_UP: return .key(.up)
    case KEY_DOWN: return .key(.down)
    case KEY_LEFT: return .key(.left)
    case KEY_RIGHT: return .key(.right)
    case KEY_BTAB: return .key(.backTab)
    case KEY_ENTER: return .key(.enter)
    case KEY_BACKSPACE: return .key(.backspace)
    case KEY_PPAGE: return .key(.pageUp)
    case KEY_NPAGE: return .key(.pageDown)
    case KEY_HOME: return .key(.home)
    case KEY_END: return .key(.end)
    case qkv_key_f(1)...qkv_key_f(63): return .key(.function(Int(code - qkv_key_f(0))))
    default: return nil
    }
  }
}
