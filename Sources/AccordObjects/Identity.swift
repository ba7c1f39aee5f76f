/// An author, committer or tagger line: `Name <email> seconds ±hhmm`.
public struct Identity: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var email: String
    /// The line as read, when writing the fields back would give other bytes (a name or email
    /// that is not UTF-8, a time zone such as +0080: git accepts both), with the canonical
    /// encoding of the fields it was read as. Encoding writes it back while the fields are
    /// unchanged, so the object keeps its id.
    private var asRead: (bytes: [UInt8], canonical: [UInt8])? {
        get { asReadBytes.map { ($0, asReadCanonical ?? []) } }
        set { asReadBytes = newValue?.bytes; asReadCanonical = newValue?.canonical }
    }
    private var asReadBytes: [UInt8]?
    private var asReadCanonical: [UInt8]?
    /// Seconds since the Unix epoch.
    public var seconds: Int64
    /// Offset from UTC in minutes (east positive), e.g. +0800 → 480.
    public var offsetMinutes: Int
    /// git distinguishes "-0000" from "+0000"; keep the sign so re-encoding is byte-exact.
    public var negativeZero: Bool

    public init(name: String, email: String, seconds: Int64, offsetMinutes: Int, negativeZero: Bool = false) {
        self.name = name; self.email = email; self.seconds = seconds
        self.offsetMinutes = offsetMinutes; self.negativeZero = negativeZero
    }

    public var timezone: String {
        let neg = offsetMinutes < 0 || (offsetMinutes == 0 && negativeZero)
        let m = abs(offsetMinutes)
        let hh = m / 60, mm = m % 60
        return (neg ? "-" : "+") + (hh < 10 ? "0" : "") + String(hh) + (mm < 10 ? "0" : "") + String(mm)
    }

    public var description: String { "\(name) <\(email)> \(seconds) \(timezone)" }

    public var encoded: [UInt8] {
        let canonical = Array(description.utf8)
        if let asRead, asRead.canonical == canonical { return asRead.bytes }
        return canonical
    }

    /// Strict parse, following the checks of git's `fsck_ident`.
    public init(parsing bytes: ArraySlice<UInt8>, what: String, in type: ObjectType) throws(ObjectError) {
        func fail(_ why: String) -> ObjectError { .malformed(type, "\(what): \(why)") }
        guard let lt = bytes.firstIndex(of: UInt8(ascii: "<")) else { throw fail("missing '<' before email") }
        let nameEnd = lt
        guard nameEnd > bytes.startIndex, bytes[nameEnd - 1] == UInt8(ascii: " ") else {
            throw fail("missing space before email")
        }
        let nameBytes = bytes[bytes.startIndex..<(nameEnd - 1)]
        if nameBytes.contains(UInt8(ascii: ">")) { throw fail("bad name (contains '>')") }
        guard let gt = bytes[(lt + 1)...].firstIndex(of: UInt8(ascii: ">")) else { throw fail("missing '>' after email") }
        let emailBytes = bytes[(lt + 1)..<gt]
        if emailBytes.contains(UInt8(ascii: "<")) { throw fail("bad email (contains '<')") }
        var i = gt + 1
        guard i < bytes.endIndex, bytes[i] == UInt8(ascii: " ") else { throw fail("missing space before date") }
        i += 1
        let dateStart = i
        while i < bytes.endIndex, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
        guard i > dateStart else { throw fail("missing date") }
        if bytes[dateStart] == UInt8(ascii: "0"), i - dateStart > 1 { throw fail("zero-padded date") }
        guard i - dateStart <= 18, let secs = Int64(String(decoding: bytes[dateStart..<i], as: UTF8.self)) else {
            throw fail("date out of range")
        }
        guard i < bytes.endIndex, bytes[i] == UInt8(ascii: " ") else { throw fail("missing space before time zone") }
        i += 1
        guard bytes.endIndex - i == 5, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") else {
            throw fail("bad time zone")
        }
        var digits: [Int] = []
        for j in (i + 1)..<(i + 5) {
            let c = bytes[j]
            guard c >= 0x30, c <= 0x39 else { throw fail("bad time zone") }
            digits.append(Int(c - 0x30))
        }
        let minutes = (digits[0] * 10 + digits[1]) * 60 + digits[2] * 10 + digits[3]
        let negative = bytes[i] == UInt8(ascii: "-")
        // git allows any bytes here; names in legacy encodings are shown decoded lossily (and
        // written back as they were, see `asRead`).
        let name = String(validating: nameBytes, as: UTF8.self), email = String(validating: emailBytes, as: UTF8.self)
        self.init(name: name ?? String(decoding: nameBytes, as: UTF8.self), email: email ?? String(decoding: emailBytes, as: UTF8.self),
                  seconds: secs, offsetMinutes: negative ? -minutes : minutes, negativeZero: negative && minutes == 0)
        // The only bytes that would not be written back as read (zero-padded dates, short or
        // long zones are refused above).
        if name == nil || email == nil || digits[2] * 10 + digits[3] >= 60 {
            asRead = (Array(bytes), Array(description.utf8))
        }
    }
}
