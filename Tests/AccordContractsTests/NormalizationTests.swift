import Foundation
import Testing
@testable import AccordContracts

/// JSON.nfc skips Foundation's normalization for strings it leaves alone; it must agree with
/// Foundation on every scalar of the ranges it trusts, alone and after the letters they could
/// compose with, and on strings that do need normalizing.
@Suite struct NormalizationTests {
    static let trusted: [ClosedRange<UInt32>] = [0...0x2FF, 0x3000...0x3029, 0x3030...0x303F, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xFF00...0xFFEF]
    static let bases = ["a", "A", "e", "o", "u", "n", "c", "か", "ア", "가", "中", "ｶ"]

    @Test func trustedScalarsAreLeftAloneByNFC() {
        var mismatches: [String] = []
        for range in Self.trusted {
            for v in range {
                guard let u = Unicode.Scalar(v) else { continue }
                let alone = String(Character(u))
                for s in [alone] + Self.bases.map({ $0 + alone }) where JSON.nfc(s) != s.precomposedStringWithCanonicalMapping {
                    mismatches.append(String(format: "U+%04X in '%@'", v, s))
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
    }

    @Test func stringsNeedingNormalizationAreNormalized() {
        for (decomposed, composed) in [("e\u{301}", "é"), ("Jose\u{301}", "José"), ("\u{1100}\u{1161}", "가"), ("か\u{3099}", "が"),
                                       ("\u{212B}", "Å"), ("合同 e\u{301}", "合同 é")] {
            #expect(JSON.nfc(decomposed) == composed)
            #expect(JSON.nfc(decomposed) == decomposed.precomposedStringWithCanonicalMapping)
        }
        #expect(JSON.nfc("华东机械有限公司，ＡＢＣ") == "华东机械有限公司，ＡＢＣ")
    }
}
