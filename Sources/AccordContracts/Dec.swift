/// An exact decimal number (money, quantities, percents). Never floating point.
///
/// Held as an integer count of millionths, so sums and comparisons are exact; money is written
/// with exactly two decimals, other quantities with as few as they need.
public struct Dec: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let scale = 6
    static let one: Int128 = 1_000_000

    /// The value × 10^6.
    public let micros: Int128

    public init(micros: Int128) { self.micros = micros }
    public init(_ integer: Int) { micros = Int128(integer) * Dec.one }

    public static let zero = Dec(micros: 0)

    /// Digits allowed before the decimal point: amounts up to 999,999,999,999,999.99, which
    /// no sales contract approaches, and small enough that products and sums of parsed values
    /// cannot overflow.
    public static let maxIntegerDigits = 15
    /// The largest value a parsed number can have, plus one.
    public static let limit = Dec(micros: 1_000_000_000_000_000 * one)
    /// Arithmetic saturates here instead of trapping (a result this large only comes from
    /// values the invariants then refuse as too large; Int128 keeps headroom for rounding).
    static let saturation: Int128 = 100_000_000_000_000_000_000_000_000_000_000 // 10^32
    static func saturated(_ v: Int128) -> Dec { Dec(micros: min(max(v, -saturation), saturation)) }

    /// Whether the value is within what `parse` accepts (|value| < 10^15).
    public var isWithinLimit: Bool { micros > -Dec.limit.micros && micros < Dec.limit.micros }

    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case notANumber(String)
        case tooManyDecimals(String, max: Int)
        case tooLarge(String)

        public var description: String {
            switch self {
            case let .notANumber(s):
                return "'\(s)' is not a decimal number: write digits with an optional '.' and up to the allowed decimals, no thousands separators, exponents or spaces (e.g. 12000.50)"
            case let .tooManyDecimals(s, max): return "'\(s)' has more than \(max) decimal places"
            case let .tooLarge(s): return "'\(s)' is too large: at most \(Dec.maxIntegerDigits) digits before the decimal point"
            }
        }
    }

    /// Parses `-?digits(.digits)?` with at most `maxDecimals` decimals. Refuses `12,000`, `1e5`,
    /// `NaN`, `+1`, `.5`, `5.`, spaces.
    public static func parse(_ text: String, maxDecimals: Int) throws(ParseError) -> Dec {
        var bytes = Array(text.utf8)[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") { negative = true; bytes = bytes.dropFirst() }
        let intPart = bytes.prefix { $0 >= 0x30 && $0 <= 0x39 }
        bytes = bytes.dropFirst(intPart.count)
        var fracPart: ArraySlice<UInt8> = []
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            fracPart = bytes.prefix { $0 >= 0x30 && $0 <= 0x39 }
            bytes = bytes.dropFirst(fracPart.count)
            if fracPart.isEmpty { throw .notANumber(text) }
        }
        guard bytes.isEmpty, !intPart.isEmpty else { throw .notANumber(text) }
        if fracPart.count > maxDecimals {
            // Trailing zeros beyond the limit are still too precise as written: refuse, don't round.
            throw .tooManyDecimals(text, max: maxDecimals)
        }
        guard intPart.drop(while: { $0 == 0x30 }).count <= maxIntegerDigits else { throw .tooLarge(text) }
        var v: Int128 = 0
        for d in intPart { v = v * 10 + Int128(d - 0x30) }
        v *= one
        var place = one / 10
        for d in fracPart { v += Int128(d - 0x30) * place; place /= 10 }
        return Dec(micros: negative ? -v : v)
    }

    /// Fixed number of decimals (money: 2), rounding half up if needed.
    public func formatted(decimals: Int) -> String {
        let r = rounded(decimals: decimals)
        let neg = r.micros < 0
        let mag = neg ? -r.micros : r.micros
        let intPart = mag / Dec.one
        var out = (neg ? "-" : "") + String(intPart)
        if decimals > 0 {
            var frac = String(mag % Dec.one)
            frac = String(repeating: "0", count: Dec.scale - frac.count) + frac
            out += "." + frac.prefix(decimals)
        }
        return out
    }

    /// As few decimals as the value needs (quantities, percents): 5, 2.5, 0.125.
    public var description: String {
        var s = formatted(decimals: Dec.scale)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    /// Rounds half away from zero to `decimals` places (the "round-half-up" of accounting).
    public func rounded(decimals: Int) -> Dec {
        precondition(decimals >= 0 && decimals <= Dec.scale)
        var unit: Int128 = 1
        for _ in 0..<(Dec.scale - decimals) { unit *= 10 }
        let mag = micros < 0 ? -micros : micros
        let r = (mag + unit / 2) / unit * unit
        return Dec(micros: micros < 0 ? -r : r)
    }

    // Sums, differences and products saturate (see `saturation`) rather than trap: user input
    // never crashes the process; results beyond `limit` fail the invariants instead.
    public static func + (a: Dec, b: Dec) -> Dec {
        let (v, o) = a.micros.addingReportingOverflow(b.micros)
        return saturated(o ? (a.micros < 0 ? -saturation : saturation) : v)
    }
    public static func - (a: Dec, b: Dec) -> Dec {
        let (v, o) = a.micros.subtractingReportingOverflow(b.micros)
        return saturated(o ? (a.micros < 0 ? -saturation : saturation) : v)
    }
    /// Exact product, rounded half up to 6 decimals (exact for money × quantity up to 4 decimals).
    public static func * (a: Dec, b: Dec) -> Dec {
        let (p, o) = a.micros.multipliedReportingOverflow(by: b.micros)
        let negative = (a.micros < 0) != (b.micros < 0)
        if o { return saturated(negative ? -saturation : saturation) }
        let mag = p < 0 ? -p : p
        let r = (mag + one / 2) / one
        return saturated(negative ? -r : r)
    }
    public static func < (a: Dec, b: Dec) -> Bool { a.micros < b.micros }
    public static func += (a: inout Dec, b: Dec) { a = a + b }

    /// `self` as a percentage of `total` (rounded half up to 2 decimals); nil when total is 0.
    public func percent(of total: Dec) -> Dec? {
        guard total.micros != 0 else { return nil }
        let (scaled, o) = micros.multipliedReportingOverflow(by: 100 * Dec.one)
        if o { return Dec.saturated((micros < 0) != (total.micros < 0) ? -Dec.saturation : Dec.saturation) }
        return Dec.saturated(scaled / total.micros).rounded(decimals: 2)
    }

    public var isNegative: Bool { micros < 0 }
    public var isZero: Bool { micros == 0 }
    public var isPositive: Bool { micros > 0 }
}

extension Sequence where Element == Dec {
    public func sum() -> Dec { reduce(.zero, +) }
}
