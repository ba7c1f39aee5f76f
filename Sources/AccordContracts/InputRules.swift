/// Rules for values that become names (record file names, attachment file names, refs) or that a
/// domain list bounds (currencies): checked wherever a contract or record is read, so input from
/// the command line, an import file or another replica passes the same gate.
public enum InputRules {
    /// A record id: a UUID, or letters, digits, '.', '_' and '-' starting with a letter or digit,
    /// at most 64 characters. It becomes part of a file name under `records/`.
    public static let recordIDRule = "letters, digits, '.', '_' and '-' (a UUID, say), starting with a letter or digit, at most 64 characters"

    public static func isRecordID(_ id: String) -> Bool {
        guard let f = id.unicodeScalars.first, id.unicodeScalars.count <= 64, isASCIIAlnum(f) else { return false }
        return id.unicodeScalars.allSatisfy { isASCIIAlnum($0) || $0 == "." || $0 == "_" || $0 == "-" }
    }

    /// A record's `createdAt`: `YYYY-MM-DDTHH:MM:SSZ` (UTC), a real date and time. Its digits
    /// start the record's file name, so names sort by time.
    public static func isTimestamp(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 20, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x54, u[13] == 0x3A, u[16] == 0x3A, u[19] == 0x5A else { return false }
        for i in [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18] where !(0x30...0x39).contains(u[i]) { return false }
        func num(_ a: Int, _ b: Int) -> Int { u[a..<b].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        guard (try? CivilDate.parse(String(decoding: u[0..<10], as: UTF8.self))) != nil else { return false }
        return num(11, 13) < 24 && num(14, 16) < 60 && num(17, 19) < 60
    }

    /// Why `name` cannot name an attachment (a file under `attachments/`), or nil: it must be a
    /// valid file name in a git tree, printable, and at most 255 bytes.
    public static func attachmentNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name.utf8.count > 255 { return "is longer than 255 bytes" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) }) {
            return "contains a control character (a newline, a tab, an escape…)"
        }
        if name.contains("/") { return "contains '/'" }
        if name == "." || name == ".." || name.lowercased() == ".git" { return "is reserved ('.', '..', '.git')" }
        if name.first?.isWhitespace == true || name.last?.isWhitespace == true { return "starts or ends with a space" }
        return nil
    }

    /// Names a contract number may not take although they are valid ref components: `rev-parse`
    /// and the git tools give them a meaning of their own (`HEAD`, `FETCH_HEAD`, …), or they read
    /// as a full object id.
    public static func isReservedNumber(_ n: String) -> Bool {
        let u = Array(n.utf8)
        if u.count == 64, u.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) }) { return true }
        // git's pseudo-refs and special refs: upper case and '_', ending in HEAD.
        return n.hasSuffix("HEAD") && n.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || $0 == "_" }
    }

    private static func isASCIIAlnum(_ u: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(u) || ("A"..."Z").contains(u) || ("0"..."9").contains(u)
    }
}

/// ISO 4217 currency codes in use (the active list, funds and precious metals included; the
/// test code XTS and XXX, "no currency", are not currencies a contract can be in).
public enum Currency {
    public static let active: Set<String> = [
        "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF", "BMD",
        "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY",
        "COP", "COU", "CRC", "CUC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP",
        "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR",
        "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD",
        "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN",
        "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD",
        "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP",
        "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW",
        "UZS", "VED", "VES", "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG", "XDR", "XOF",
        "XPD", "XPF", "XPT", "XSU", "XUA", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
    ]
}
