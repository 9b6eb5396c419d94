import Explainer
import Testing

@testable import Terminal

@Suite struct ColorMappingTests {
  @Test(arguments: [
    (256, nil, Capabilities.Colors.full), (88, nil, .basic), (16, nil, .basic), (8, nil, .basic), (2, nil, .none),
    (0, nil, .none), (256, "1", .none), (8, "yes", .none), (256, "", .full),
  ] as [(Int, String?, Capabilities.Colors)])
  func capabilityFromTerminalAndNoColor(terminalColors: Int, noColor: String?, expected: Capabilities.Colors) {
    #expect(ColorMapping.capability(terminalColors: terminalColors, noColor: noColor) == expected)
  }

  @Test func fullPaletteIsPassedThrough() {
    let mapping = ColorMapping(colors: .full, terminalColors: 256, defaultColors: true)
    for index in [0, 7, 15, 16, 123, 231, 232, 255] {
      #expect(mapping.number(.palette(UInt8(index)), background: false) == Int16(index))
    }
    #expect(mapping.number(.default, background: false) == -1)
    #expect(mapping.number(.default, background: true) == -1)
  }

  @Test func basicTerminalsGetTheNearestOfEightColours() {
    let mapping = ColorMapping(colors: .basic, terminalColors: 8, defaultColors: true)
    #expect(mapping.number(.palette(3), background: true) == 3)
    #expect(mapping.number(.palette(9), background: true) == 1)  // bright red → red
    #expect(mapping.number(.palette(196), background: true) == 1)  // cube red (255, 0, 0)
    #expect(mapping.number(.palette(21), background: true) == 4)  // cube blue (0, 0, 255)
    #expect(mapping.number(.palette(46), background: true) == 2)  // cube green
    #expect(mapping.number(.palette(16), background: true) == 0)  // cube black
    #expect(mapping.number(.palette(231), background: true) == 7)  // cube white
    #expect(mapping.number(.palette(232), background: true) == 0)  // darkest grey
    #expect(mapping.number(.palette(255), background: true) == 7)  // lightest grey
  }

  @Test func basicMeansEightEvenOnRicherTerminals() {
    let mapping = ColorMapping(colors: .basic, terminalColors: 256, defaultColors: true)
    #expect(mapping.number(.palette(9), background: false) == 1)
    #expect(mapping.number(.palette(231), background: false) == 7)
  }

  @Test func fullCapabilityOnAnEightColourTerminalStillFits() {
    let mapping = ColorMapping(colors: .full, terminalColors: 8, defaultColors: true)
    #expect(mapping.number(.palette(196), background: false) == 1)
  }

  @Test func monochromeUsesTheDefaults() {
    let mapping = ColorMapping(colors: .none, terminalColors: 256, defaultColors: true)
    #expect(mapping.number(.palette(196), background: false) == -1)
    #expect(mapping.number(.palette(21), background: true) == -1)
  }

  @Test func withoutDefaultColoursTheTerminalStartsWhiteOnBlack() {
    let mapping = ColorMapping(colors: .full, terminalColors: 256, defaultColors: false)
    #expect(mapping.number(.default, background: false) == 7)
    #expect(mapping.number(.default, background: true) == 0)
  }

  @Test func xtermRGB() {
    #expect(ColorMapping.rgb(1) == (205, 0, 0))
    #expect(ColorMapping.rgb(16) == (0, 0, 0))
    #expect(ColorMapping.rgb(17) == (0, 0, 95))
    #expect(ColorMapping.rgb(52) == (95, 0, 0))
    #expect(ColorMapping.rgb(231) == (255, 255, 255))
    #expect(ColorMapping.rgb(244) == (128, 128, 128))
  }
}

@Suite struct ColorPairsTests {
  typealias Colors = ColorPairs.Colors
  let terminalDefault = Colors(foreground: -1, background: -1)

  @Test func pairZeroIsTheDefaultAndNeverDefined() {
    var pairs = ColorPairs(pairs: 64, pairZero: terminalDefault)
    #expect(pairs.pair(terminalDefault) == (0, false))
    #expect(pairs.count == 0)
  }

  @Test func pairsAreDefinedOnceAndReused() {
    var pairs = ColorPairs(pairs: 64, pairZero: terminalDefault)
    let redOnBlue = Colors(foreground: 1, background: 4)
    let greenOnDefault = Colors(foreground: 2, background: -1)
    #expect(pairs.pair(redOnBlue) == (1, true))
    #expect(pairs.pair(greenOnDefault) == (2, true))
    #expect(pairs.pair(redOnBlue) == (1, false))
    #expect(pairs.count == 2)
  }

  @Test func whenPairsRunOutTheBackgroundIsKeptFirst() {
    var pairs = ColorPairs(pairs: 3, pairZero: terminalDefault)  // pairs 1 and 2 usable
    #expect(pairs.pair(Colors(foreground: -1, background: 4)) == (1, true))
    #expect(pairs.pair(Colors(foreground: 3, background: -1)) == (2, true))
    #expect(pairs.pair(Colors(foreground: 1, background: 4)) == (1, false))  // same background
    #expect(pairs.pair(Colors(foreground: 3, background: 5)) == (2, false))  // same foreground
    #expect(pairs.pair(Colors(foreground: 6, background: 6)) == (0, false))  // nothing close: default
    #expect(pairs.count == 2)
  }

  @Test func pairNumbersStayWithinInt16() {
    var pairs = ColorPairs(pairs: 65536, pairZero: terminalDefault)
    #expect(pairs.capacity == Int(Int16.max))
    #expect(pairs.pair(Colors(foreground: 1, background: 1)).number == 1)
  }

  @Test func aTerminalWithoutPairsOnlyHasPairZero() {
    var pairs = ColorPairs(pairs: 0, pairZero: terminalDefault)
    #expect(pairs.pair(Colors(foreground: 1, background: 1)) == (0, false))
  }
}
