import Foundation
import PicketCore
import Testing

@Suite struct FixedTextTests {
    @Test func decimalsArePaddedToTheirWidthAndNeverCut() {
        #expect(FixedText.decimal(7, width: 3) == "007")
        #expect(FixedText.decimal(2026, width: 4) == "2026")
        #expect(FixedText.decimal(12345, width: 2) == "12345")
        #expect(FixedText.decimal(0, width: 2) == "00")
        #expect(FixedText.decimal(-5, width: 3) == "-005")
        #expect(FixedText.decimal(Int.min, width: 1) == "-9223372036854775808")
    }

    @Test func bytesBecomeTwoLowercaseHexDigitsEach() {
        #expect(FixedText.hex([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect(FixedText.hex([UInt8]()) == "")
    }

    /// The same text as Foundation's `ISO8601DateFormatter`, across leap days, centuries and before 1970.
    @Test func iso8601MatchesFoundationsFormatter() {
        let formatter = ISO8601DateFormatter()
        var random = SystemRandomNumberGenerator()
        let fixed: [Int64] = [0, -1, 86_399, 86_400, 951_782_400, 951_868_799, 4_107_542_400, 1_798_761_599, -2_208_988_800, 253_402_300_799]
        for seconds in fixed + (0..<2000).map({ _ in Int64.random(in: -2_000_000_000...8_000_000_000, using: &random) }) {
            #expect(FixedText.iso8601(epochSeconds: seconds) == formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))), "\(seconds)")
        }
        #expect(FixedText.iso8601(epochSeconds: 1_796_142_032, milliseconds: 7) == "2026-12-01T16:20:32.007Z")
        #expect(FixedText.timeOfDay(epochSeconds: 1_796_142_032, milliseconds: 7) == "16:20:32.007", "the time part of the same instant")
        #expect(FixedText.timeOfDay(epochSeconds: -1) == "23:59:59", "the last second of 1969")
    }
}
