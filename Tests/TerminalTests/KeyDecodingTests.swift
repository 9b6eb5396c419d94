import Explainer
import Testing
import _CNcurses

@testable import Terminal

@Suite struct KeyDecodingTests {
  @Test(arguments: [
    (UInt32(9), Key.tab), (10, .enter), (13, .enter), (27, .escape), (127, .backspace), (8, .backspace),
    (1, .control("a")), (3, .control("c")), (26, .control("z")), (32, .character(" ")),
    (UInt32(UInt8(ascii: "n")), .character("n")), (UInt32(UInt8(ascii: "+")), .character("+")),
    (UInt32(UInt8(ascii: "?")), .character("?")), (0xE9, .character("é")), (0x2202, .character("∂")),
  ])
  func characters(value: UInt32, key: Key) {
    #expect(KeyDecoding.decode(status: OK, value: value) == .key(key))
  }

  @Test(arguments: [UInt32(0), 28, 31, 0x80, 0x9F, 0xD800])
  func controlsAndNonScalarsAreDropped(value: UInt32) {
    #expect(KeyDecoding.decode(status: OK, value: value) == nil)
  }

  @Test(arguments: [
    (KEY_UP, Key.up), (KEY_DOWN, .down), (KEY_LEFT, .left), (KEY_RIGHT, .right), (KEY_BTAB, .backTab),
    (KEY_ENTER, .enter), (KEY_BACKSPACE, .backspace), (KEY_PPAGE, .pageUp), (KEY_NPAGE, .pageDown),
    (KEY_HOME, .home), (KEY_END, .end), (qkv_key_f(1), .function(1)), (qkv_key_f(12), .function(12)),
  ])
  func functionKeys(code: Int32, key: Key) {
    #expect(KeyDecoding.decode(status: KEY_CODE_YES, value: UInt32(code)) == .key(key))
  }

  @Test func resizeIsItsOwnInput() {
    #expect(KeyDecoding.decode(status: KEY_CODE_YES, value: UInt32(KEY_RESIZE)) == .resize)
  }

  @Test func unknownFunctionKeysAndErrorsAreDropped() {
    #expect(KeyDecoding.decode(status: KEY_CODE_YES, value: UInt32(KEY_MOUSE)) == nil)
    #expect(KeyDecoding.decode(status: KEY_CODE_YES, value: UInt32(qkv_key_f(0))) == nil)
    #expect(KeyDecoding.decode(status: ERR, value: UInt32(UInt8(ascii: "n"))) == nil)
  }
}
