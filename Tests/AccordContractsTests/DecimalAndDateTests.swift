import Testing
import AccordContracts

@Suite struct DecimalAndDateTests {
    @Test(arguments: ["12,000", "1e5", "NaN", "+1", ".5", "5.", " 5", "5 ", "", "-", "1_000", "０"])
    func refusesWhatIsNotAPlainDecimal(text: String) {
        #expect(throws: Dec.ParseError.self) { try Dec.parse(text, maxDecimals: 2) }
    }

    @Test func moneyHasAtMostTwoDecimals() throws {
        #expect(throws: Dec.ParseError.tooManyDecimals("0.001", max: 2)) { try Dec.parse("0.001", maxDecimals: 2) }
        #expect(try Dec.parse("120000.5", maxDecimals: 2).formatted(decimals: 2) == "120000.50")
        #expect(try Dec.parse("-3", maxDecimals: 2).isNegative)
    }

    @Test func productsRoundHalfUpExactly() throws {
        let q = try Dec.parse("3", maxDecimals: 4), p = try Dec.parse("0.35", maxDecimals: 2)
        #expect((q * p).rounded(decimals: 2).formatted(decimals: 2) == "1.05")
        #expect(try Dec.parse("0.125", maxDecimals: 4).rounded(decimals: 2).formatted(decimals: 2) == "0.13")
        #expect(try Dec.parse("-0.125", maxDecimals: 4).rounded(decimals: 2).formatted(decimals: 2) == "-0.13")
        // 0.1 + 0.2 is exactly 0.3, unlike Double.
        #expect(try Dec.parse("0.1", maxDecimals: 2) + Dec.parse("0.2", maxDecimals: 2) == Dec.parse("0.3", maxDecimals: 2))
        #expect(try Dec.parse("2.50", maxDecimals: 4).description == "2.5")
    }

    /// 15 digits before the point parse; 16 do not (leading zeros aside). Products, sums and
    /// percents of the largest values saturate beyond the limit instead of trapping.
    @Test func largeValuesAreBoundedAndNeverTrap() throws {
        let max = try Dec.parse("999999999999999.999999", maxDecimals: 6)
        #expect(max.isWithinLimit)
        #expect(try Dec.parse("000999999999999999.5", maxDecimals: 2) > Dec.parse("999999999999998", maxDecimals: 0))
        #expect(throws: Dec.ParseError.tooLarge("1000000000000000")) { try Dec.parse("1000000000000000", maxDecimals: 2) }
        let product = max * max, negative = max * Dec.zero - max * max
        #expect(!product.isWithinLimit && product > max)
        #expect(!negative.isWithinLimit && negative.isNegative)
        var sum = Dec.zero
        for _ in 0..<100_000 { sum += product }
        #expect(!sum.isWithinLimit && sum >= product, "a sum saturates, it does not wrap")
        #expect(product.percent(of: Dec(micros: 1)).map { !$0.isWithinLimit } == true)
        #expect(product.rounded(decimals: 2).formatted(decimals: 2).hasPrefix("1"))
    }

    @Test func datesAreRealCalendarDays() throws {
        #expect(throws: CivilDate.ParseError.self) { try CivilDate.parse("2026-02-29") }
        #expect(throws: CivilDate.ParseError.self) { try CivilDate.parse("2026-13-01") }
        #expect(throws: CivilDate.ParseError.self) { try CivilDate.parse("2026-1-01") }
        #expect(try CivilDate.parse("2028-02-29").description == "2028-02-29")
        let d = try CivilDate.parse("2026-11-22")
        #expect(CivilDate(daysSinceEpoch: d.daysSinceEpoch) == d)
        #expect(d.adding(days: 10).description == "2026-12-02")
    }
}
