import Foundation

/// A JSON document. Numbers keep their source text (money never passes through a Double).
public indirect enum JSON: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var line: Int, column: Int, message: String
        public var description: String { "line \(line), column \(column): \(message)" }
    }

    public var string: String? { if case let .string(s) = self { s } else { nil } }
    public var object: [String: JSON]? { if case let .object(o) = self { o } else { nil } }
    public var array: [JSON]? { if case let .array(a) = self { a } else { nil } }
    public subscript(key: String) -> JSON? { object?[key] }

    // MARK: parsing (RFC 8259, strict: no comments, no trailing commas, no duplicate keys)

    public static func parse(_ text: String, maxDepth: Int = 64, maxBytes: Int = 16 << 20) throws(ParseError) -> JSON {
        try parse(bytes: Array(text.utf8), maxDepth: maxDepth, maxBytes: maxBytes)
    }

    /// Parses UTF-8 bytes (a stored blob) directly; invalid UTF-8 in a string is an error.
    public static func parse(bytes: [UInt8], maxDepth: Int = 64, maxBytes: Int = 16 << 20) throws(ParseError) -> JSON {
        guard bytes.count <= maxBytes else { throw ParseError(line: 1, column: 1, message: "document larger than \(maxBytes) bytes") }
        var p = Parser(bytes: bytes, maxDepth: maxDepth)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        if p.i < bytes.count { throw p.error("unexpected text after the document") }
        return v
    }

    struct Parser {
        let bytes: [UInt8]
        let maxDepth: Int
        var i = 0

        func error(_ m: String) -> ParseError {
            var line = 1, col = 1
            for b in bytes[..<min(i, bytes.count)] { if b == 0x0A { line += 1; col = 1 } else if b & 0xC0 != 0x80 { col += 1 } }
            return ParseError(line: line, column: col, message: m)
        }

        mutating func skipSpace() {
            while i < bytes.count {
                switch bytes[i] {
                case 0x20, 0x09, 0x0A, 0x0D: i += 1
                default: return
                }
            }
        }

        /// `true`, `false` or `null` at `i` (compared in place: no copies, a row of facts holds many).
        mutating func expect(_ word: StaticString, _ v: JSON) throws(ParseError) -> JSON {
            let n = word.utf8CodeUnitCount
            guard bytes.count - i >= n else { throw error("unexpected character") }
            let p = word.utf8Start
            for k in 0..<n where bytes[i + k] != p[k] { throw error("unexpected character") }
            i += n
            return v
        }

        mutating func value(depth: Int) throws(ParseError) -> JSON {
            guard depth < maxDepth else { throw error("nested deeper than \(maxDepth) levels") }
            guard i < bytes.count else { throw error("unexpected end of document") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var obj: [String: JSON] = [:]
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(obj) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a key in double quotes") }
                    let keyStart = i
                    let key = try string()
                    if obj[key] != nil { i = keyStart; throw error("duplicate key \"\(key)\"") }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':' after key \"\(key)\"") }
                    i += 1
                    skipSpace()
                    obj[key] = try value(depth: depth + 1)
                    skipSpace()
                    guard i < bytes.count else { throw error("unexpected end of document in an object") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(obj) }
                    throw error("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                i += 1
                var arr: [JSON] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(arr) }
                while true {
                    skipSpace()
                    arr.append(try value(depth: depth + 1))
                    skipSpace()
                    guard i < bytes.count else { throw error("unexpected end of document in an array") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(arr) }
                    throw error("expected ',' or ']'")
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw error("unexpected character")
            }
        }

        mutating func number() throws(ParseError) -> JSON {
            let start = i
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            func digits() -> Int { let s = i; while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }; return i - s }
            let intStart = i
            let n = digits()
            guard n > 0 else { throw error("bad number") }
            if n > 1, bytes[intStart] == 0x30 { throw error("numbers must not have leading zeros") }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") { i += 1; guard digits() > 0 else { throw error("bad number") } }
            if i < bytes.count, bytes[i] | 0x20 == UInt8(ascii: "e") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard digits() > 0 else { throw error("bad number") }
            }
            return .number(String(decoding: bytes[start..<i], as: UTF8.self))
        }

        mutating func string() throws(ParseError) -> String {
            i += 1
            // The common case, no escapes: one slice, validated once.
            var j = i
            while j < bytes.count, bytes[j] != UInt8(ascii: "\""), bytes[j] != UInt8(ascii: "\\"), bytes[j] >= 0x20 { j += 1 }
            if j < bytes.count, bytes[j] == UInt8(ascii: "\"") {
                defer { i = j + 1 }
                guard let s = String(validating: bytes[i..<j], as: UTF8.self) else { i = j; throw error("string is not valid UTF-8") }
                return s
            }
            var out: [UInt8] = Array(bytes[i..<j])
            i = j
            while true {
                guard i < bytes.count else { throw error("unterminated string") }
                let c = bytes[i]
                if c == UInt8(ascii: "\"") { i += 1; break }
                if c < 0x20 { throw error("control character in a string (escape it)") }
                if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
                i += 1
                guard i < bytes.count else { throw error("unterminated escape") }
                let e = bytes[i]; i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var cp = try hex4()
                    if (0xD800...0xDBFF).contains(cp) {
                        guard bytes.count - i >= 6, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else { throw error("unpaired surrogate") }
                        i += 2
                        let lo = try hex4()
                        guard (0xDC00...0xDFFF).contains(lo) else { throw error("unpaired surrogate") }
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(cp) { throw error("unpaired surrogate") }
                    guard let scalar = Unicode.Scalar(cp) else { throw error("bad \\u escape") }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw error("bad escape '\\\(Character(Unicode.Scalar(e)))'")
                }
            }
            guard let s = String(validating: out, as: UTF8.self) else { throw error("string is not valid UTF-8") }
            return s
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            guard bytes.count - i >= 4 else { throw error("bad \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i] | 0x20
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - 0x30)
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - 0x61 + 10)
                default: throw error("bad \\u escape")
                }
                v = v * 16 + d; i += 1
            }
            return v
        }
    }

    // MARK: canonical form

    /// One line, keys sorted, no spaces (JSON lines, caches).
    public var compact: String {
        switch self {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .number(n): return n
        case let .string(s): var out = ""; JSON.quote(s, into: &out); return out
        case let .array(a): return "[" + a.map(\.compact).joined(separator: ",") + "]"
        case let .object(o):
            return "{" + o.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }.map { k in
                var key = ""; JSON.quote(k, into: &key); return key + ":" + (o[k]?.compact ?? "null")
            }.joined(separator: ",") + "}"
        }
    }

    /// Canonical bytes: keys sorted by code point, 2-space indent, strings in NFC, only required
    /// escapes, one trailing newline. The same value gives the same bytes on every replica.
    public var canonical: String {
        var out = ""
        write(into: &out, indent: 0)
        return out + "\n"
    }

    func write(into out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1)
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .number(n): out += n
        case let .string(s): JSON.quote(JSON.nfc(s), into: &out)
        case let .array(a):
            if a.isEmpty { out += "[]"; return }
            out += "[\n"
            for (k, v) in a.enumerated() {
                out += pad
                v.write(into: &out, indent: indent + 1)
                out += k == a.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: "  ", count: indent) + "]"
        case let .object(o):
            if o.isEmpty { out += "{}"; return }
            out += "{\n"
            let keys = o.keys.map(JSON.nfc)
            let sorted = zip(keys, o.values).sorted { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) }
            for (k, (key, v)) in sorted.enumerated() {
                out += pad
                JSON.quote(key, into: &out)
                out += ": "
                v.write(into: &out, indent: indent + 1)
                out += k == sorted.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: "  ", count: indent) + "}"
        }
    }

    /// `s` in Unicode normalization form C. Foundation's normalization costs a bridge per
    /// string; a string made only of scalars that NFC leaves alone and that compose with nothing
    /// (below U+0300, CJK punctuation but its combining tone marks, CJK ideographs, fullwidth
    /// forms: nearly every key and value of a contract) is returned as it is.
    static func nfc(_ s: String) -> String {
        let stable = s.unicodeScalars.allSatisfy { u in
            switch u.value {
            case 0..<0x300, 0x3000...0x3029, 0x3030...0x303F, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xFF00...0xFFEF: true
            default: false
            }
        }
        return stable ? s : s.precomposedStringWithCanonicalMapping
    }

    /// Appends `s` as a JSON string literal (RFC 8259 escapes only).
    public static func quote(_ s: String, into out: inout String) {
        // Most strings need no escape: append them whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += "\""; out += s; out += "\""
            return
        }
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where u.value < 0x20:
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}
