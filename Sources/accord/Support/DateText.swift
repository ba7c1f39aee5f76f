import AccordObjects
import AccordContracts

/// git's default date format, computed from the commit's own seconds and offset
/// ("Sun Nov 22 16:00:59 2026 +0800"), without the machine's time zone getting involved.
enum DateText {
    static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"] // 1970-01-01 was a Thursday
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func civil(_ days: Int64) -> (year: Int64, month: Int, day: Int) {
        let d = CivilDate(daysSinceEpoch: Int(days))
        return (Int64(d.year), d.month, d.day)
    }

    static func git(_ who: Identity) -> String {
        let local = who.seconds + Int64(who.offsetMinutes) * 60
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secs = local - days * 86_400
        let (y, m, d) = civil(days)
        let wd = weekdays[Int(((days % 7) + 7) % 7)]
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(wd) \(months[m - 1]) \(d) \(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)) \(y) \(who.timezone)"
    }

    /// ISO 8601, for --json ("2026-11-22T16:00:59+08:00").
    static func iso(_ who: Identity) -> String {
        let local = who.seconds + Int64(who.offsetMinutes) * 60
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secs = local - days * 86_400
        let (y, m, d) = civil(days)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let tz = who.timezone
        return "\(y)-\(two(Int64(m)))-\(two(Int64(d)))T\(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60))"
            + "\(tz.prefix(3)):\(tz.suffix(2))"
    }

    /// A time in seconds since the epoch as UTC ISO 8601 ("2026-11-22T08:00:59Z").
    static func utc(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secs = seconds - days * 86_400
        let (y, m, d) = civil(days)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(Int64(m)))-\(two(Int64(d)))T\(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60))Z"
    }
}
