import Testing
@testable import AccordContracts

@Suite struct DecTests {
    @Test(arguments: ["0", "1", "12000.50", "-3", "0.01", "120000.00", "999999999999.99"])
    func parsesPlainDecimals(text: String) throws {
        let v = try Dec.parse(text, maxDecimals: 2)
        #expect(v.formatted(decimals: 2) == (text.contains(".") ? text : text + ".00"))
    }

    @Test(arguments: ["12,000", "1e5", "1E5", "NaN", "nan", "Infinity", "+1", ".5", "5.", "", "-", " 1", "1 ", "1 000", "0x10", "１２", "1.2.3", "--1"])
    func refusesEverythingElse(text: String) {
        #expect(throws: Dec.ParseError.self) { try Dec.parse(text, maxDecimals: 6) }
    }

    @Test func tooManyDecimalsIsRefusedNotRounded() {
        #expect(throws: Dec.ParseError.tooManyDecimals("0.001", max: 2)) { try Dec.parse("0.001", maxDecimals: 2) }
        #expect(throws: Dec.ParseError.tooManyDecimals("1.500", max: 2)) { try Dec.parse("1.500", maxDecimals: 2) }
        #expect(throws: Dec.ParseError.tooLarge(String(repeating: "9", count: 25))) { try Dec.parse(String(repeating: "9", count: 25), maxDecimals: 2) }
    }

    @Test func roundsHalfUp() {
        #expect(dec("0.005").rounded(decimals: 2) == dec("0.01"))
        #expect(dec("0.004999").rounded(decimals: 2) == dec("0"))
        #expect(dec("2.675").formatted(decimals: 2) == "2.68") // binary floating point gives 2.67
        #expect(dec("1.125").formatted(decimals: 2) == "1.13")
        #expect(dec("-0.005").formatted(decimals: 2) == "-0.01") // half away from zero
        #expect(dec("-0.004").formatted(decimals: 2) == "0.00")
        #expect(dec("0.5").rounded(decimals: 0) == dec("1"))
    }

    @Test func multiplicationIsExact() {
        #expect((dec("2.5") * dec("1999.99")).description == "4999.975")
        #expect(LineItem(id: "L", name: "x", quantity: dec("2.5"), unitPrice: dec("1999.99")).lineAmount.formatted(decimals: 2) == "4999.98")
        #expect((dec("0.1") * dec("0.2")) == dec("0.02"))
        #expect((dec("850.5") * dec("312.40")).formatted(decimals: 2) == "265696.20")
        #expect((dec("3") * dec("76666.67")).formatted(decimals: 2) == "230000.01")
        #expect((dec("350.25") * dec("186.43")).description == "65297.1075")
        #expect((dec("99999999.9999") * dec("99999999.99")).description == "9999999998990000.000001")
        // Sums of 0.1 are exact (no 0.30000000000000004).
        #expect([dec("0.1"), dec("0.1"), dec("0.1")].sum() == dec("0.3"))
    }

    @Test func formatting() {
        #expect(dec("5").description == "5" && dec("2.50").description == "2.5" && dec("0.125").description == "0.125")
        #expect(dec("-0").description == "0")
        #expect(dec("1234567.8").formatted(decimals: 2) == "1234567.80")
        #expect(dec("7").formatted(decimals: 0) == "7")
        #expect(dec("1").percent(of: dec("3"))?.description == "33.33")
        #expect(dec("1").percent(of: .zero) == nil)
    }
}

@Suite struct CivilDateTests {
    @Test func leapYears() {
        #expect(CivilDate.isLeap(2024) && CivilDate.isLeap(2000) && CivilDate.isLeap(2400))
        #expect(!CivilDate.isLeap(2026) && !CivilDate.isLeap(1900) && !CivilDate.isLeap(2100))
        #expect((try? CivilDate.parse("2024-02-29")) != nil)
        #expect((try? CivilDate.parse("2000-02-29")) != nil)
        #expect(throws: CivilDate.ParseError.noSuchDay("2026-02-29")) { try CivilDate.parse("2026-02-29") }
        #expect(throws: CivilDate.ParseError.noSuchDay("1900-02-29")) { try CivilDate.parse("1900-02-29") }
        #expect(throws: CivilDate.ParseError.noSuchDay("2026-02-30")) { try CivilDate.parse("2026-02-30") }
    }

    @Test(arguments: ["2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00", "0000-01-01", "2026-06-31"])
    func impossibleDays(text: String) {
        #expect(throws: CivilDate.ParseError.noSuchDay(text)) { try CivilDate.parse(text) }
    }

    @Test(arguments: ["2026-6-30", "26-06-30", "2026/06/30", "2026-06-30T00:00:00Z", " 2026-06-30", "2026-06-3x", "２０２６-06-30", ""])
    func badFormats(text: String) {
        #expect(throws: CivilDate.ParseError.badFormat(text)) { try CivilDate.parse(text) }
    }

    @Test func arithmeticAndOrder() throws {
        #expect(d("2024-02-28").adding(days: 1).description == "2024-02-29")
        #expect(d("2024-02-28").adding(days: 2).description == "2024-03-01")
        #expect(d("2026-02-28").adding(days: 1).description == "2026-03-01")
        #expect(d("2026-12-31").adding(days: 1).description == "2027-01-01")
        #expect(d("1970-01-01").daysSinceEpoch == 0)
        #expect(d("2000-03-01").daysSinceEpoch - d("2000-02-28").daysSinceEpoch == 2)
        #expect(d("2026-01-10") < d("2026-01-12"))
        for s in ["2026-11-22", "0001-01-01", "9999-12-31", "2400-02-29"] {
            let v = try CivilDate.parse(s)
            #expect(v.description == s && CivilDate(daysSinceEpoch: v.daysSinceEpoch) == v)
        }
    }
}

@Suite struct JSONTests {
    @Test func canonicalSortsKeysIndentsAndEndsWithOneNewline() throws {
        let v = try JSON.parse(#"{"b": [1, {"z": true, "a": null}], "a": "x", "A": [], "c": {}}"#)
        #expect(v.canonical == """
        {
          "A": [],
          "a": "x",
          "b": [
            1,
            {
              "a": null,
              "z": true
            }
          ],
          "c": {}
        }

        """)
    }

    @Test func nfcMakesComposedAndDecomposedTheSame() {
        let decomposed = "Cafe\u{0301}", composed = "Caf\u{00E9}"
        #expect(Array(decomposed.unicodeScalars).count != Array(composed.unicodeScalars).count)
        let a = JSON.object(["name": .string(decomposed), "re\u{0301}sume\u{0301}": .bool(true)]).canonical
        let b = JSON.object(["name": .string(composed), "r\u{00E9}sum\u{00E9}": .bool(true)]).canonical
        #expect(Array(a.utf8) == Array(b.utf8))
        #expect(Array(a.utf8).contains(0xC3) && Array(a.utf8).contains(0xA9)) // é as UTF-8 C3 A9
    }

    @Test func escapes() throws {
        let s = JSON.string("quote\" back\\ nl\n tab\t cr\r bell\u{07} nul\u{00} 中文 é 😀 /").canonical
        #expect(s == #""quote\" back\\ nl\n tab\t cr\r bell\u0007 nul\u0000 中文 é 😀 /""# + "\n")
        #expect(try JSON.parse(s) == .string("quote\" back\\ nl\n tab\t cr\r bell\u{07} nul\u{00} 中文 é 😀 /"))
        #expect(try JSON.parse(#""\u4e2d\u6587 \ud83d\ude00 \/""#) == .string("中文 😀 /"))
    }

    @Test func keysSortByCodePointNotLocale() {
        let v = JSON.object(["b": .null, "B": .null, "中": .null, "a": .null, "é": .null])
        let keys = v.canonical.split(separator: "\n").dropFirst().dropLast().map { String($0.split(separator: "\"")[1]) }
        #expect(keys == ["B", "a", "b", "é", "中"])
    }

    @Test(arguments: [
        (#"{"a": 1,}"#, 1, 9), ("[1, 2", 1, 6), ("{\n  \"a\": tru\n}", 2, 8), (#"{"a": 1, "a": 2}"#, 1, 10),
        ("[01]", 1, 4), ("[NaN]", 1, 2), (#"["\x"]"#, 1, 5), ("// c\n{}", 1, 1), ("{} {}", 1, 4), ("\"a\u{01}\"", 1, 3),
        (#"["\ud800"]"#, 1, 9), ("[1.]", 1, 4), ("[-]", 1, 3), ("", 1, 1), ("{\"中文\": x}", 1, 8),
    ] as [(String, Int, Int)])
    func strictParserErrorsHaveLineAndColumn(text: String, line: Int, column: Int) {
        do {
            _ = try JSON.parse(text)
            Issue.record("accepted \(text.debugDescription)")
        } catch {
            #expect(error.line == line, "\(text.debugDescription): \(error)")
            #expect(error.column == column, "\(text.debugDescription): \(error)")
            #expect(error.description.hasPrefix("line \(line), column \(column): "))
        }
    }

    @Test func depthAndSizeLimits() {
        #expect(throws: JSON.ParseError.self) { try JSON.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) }
        #expect((try? JSON.parse(String(repeating: "[", count: 10) + String(repeating: "]", count: 10))) != nil)
        #expect(throws: JSON.ParseError.self) { try JSON.parse("[" + String(repeating: " ", count: 100) + "]", maxBytes: 50) }
    }

    @Test func numbersKeepTheirText() throws {
        #expect(try JSON.parse("[120000.00, -1.5e3]") == .array([.number("120000.00"), .number("-1.5e3")]))
        #expect(try JSON.parse("[120000.00]").canonical == "[\n  120000.00\n]\n")
    }
}
