#if canImport(Glibc)
import Glibc
#endif

/// A calendar date without time or zone (sign dates, deadlines, expiry): ISO 8601 `YYYY-MM-DD`.
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int, month: Int, day: Int

    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case badFormat(String)
        case noSuchDay(String)
        public var description: String {
            switch self {
            case let .badFormat(s): "'\(s)' is not a date: write YYYY-MM-DD, e.g. 2026-11-22"
            case let .noSuchDay(s): "'\(s)' is not a real calendar day"
            }
        }
    }

    public init(year: Int, month: Int, day: Int) throws(ParseError) {
        let text = "\(year)-\(month)-\(day)"
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...CivilDate.daysIn(month, of: year)).contains(day) else { throw .noSuchDay(text) }
        self.year = year; self.month = month; self.day = day
    }

    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysIn(_ m: Int, of y: Int) -> Int {
        switch m {
        case 2: isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func parse(_ s: String) throws(ParseError) -> CivilDate {
        let u = Array(s.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
              [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy({ u[$0] >= 0x30 && u[$0] <= 0x39 }) else { throw .badFormat(s) }
        func num(_ r: Range<Int>) -> Int { r.reduce(0) { $0 * 10 + Int(u[$1] - 0x30) } }
        do { return try CivilDate(year: num(0..<4), month: num(5..<7), day: num(8..<10)) }
        catch { throw .noSuchDay(s) }
    }

    public var description: String {
        func pad(_ v: Int, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Days since 1970-01-01 (Howard Hinnant's days-from-civil).
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(daysSinceEpoch z0: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (m <= 2 ? 1 : 0); month = m; day = d
    }

    public func adding(days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// Today in the machine's local time zone.
    public static func today() -> CivilDate {
        var t = time(nil)
        var tm = tm()
        localtime_r(&t, &tm)
        return CivilDate(daysSinceEpoch: (Int(t) + tm.tm_gmtoff) / 86_400)
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }
}
