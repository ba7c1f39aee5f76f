/// git's config file format: `[section "subsection"]`, `key = value`, `#`/`;` comments.
/// Only what Accord needs: read every entry in order, set or add a single-valued key.
public struct Config: Sendable {
    public struct Entry: Sendable, Equatable {
        public var section: String      // lowercased
        public var subsection: String?  // case-sensitive
        public var key: String          // lowercased
        public var value: String
    }

    public private(set) var entries: [Entry] = []
    /// The original lines, kept so that `set` edits a file without reformatting it.
    private var lines: [String] = []
    private var entryLine: [Int] = []

    public init() {}

    public init(parsing text: String, path: String) throws(StoreError) {
        // Lines end at each "\n" scalar (a Character split would take "\r\n" as one character
        // and glue two lines together); a "\r" before it belongs to the line end, as git reads it.
        lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
        if lines.last == "" { lines.removeLast() }
        var section: String?
        var subsection: String?
        for (n, fullLine) in lines.enumerated() {
            let rawLine = fullLine.unicodeScalars.last == "\r" ? String(String.UnicodeScalarView(fullLine.unicodeScalars.dropLast())) : fullLine
            var line = Substring(rawLine).drop(while: { $0 == " " || $0 == "\t" })
            if line.isEmpty || line.first == "#" || line.first == ";" { continue }
            if line.first == "[" {
                guard let close = line.lastIndex(of: "]") else {
                    throw .badConfig(path: path, line: n + 1, reason: "section header without ']'")
                }
                let inner = line[line.index(after: line.startIndex)..<close]
                if let q = inner.firstIndex(of: "\"") {
                    section = inner[..<q].trimmingSpaces.lowercased()
                    var sub = inner[inner.index(after: q)...]
                    guard sub.last == "\"" else { throw .badConfig(path: path, line: n + 1, reason: "unterminated subsection name") }
                    sub = sub.dropLast()
                    subsection = sub.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
                } else {
                    let parts = inner.split(separator: ".", maxSplits: 1)
                    section = parts.first.map { String($0).lowercased() } ?? ""
                    // git's deprecated "[section.subsection]" form: the subsection is case-insensitive (lowercased).
                    subsection = parts.count > 1 ? String(parts[1]).lowercased() : nil
                }
                guard let s = section, !s.isEmpty, s.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) else {
                    throw .badConfig(path: path, line: n + 1, reason: "bad section name")
                }
                line = line[line.index(after: close)...].drop(while: { $0 == " " || $0 == "\t" })
                if line.isEmpty || line.first == "#" || line.first == ";" { continue }
            }
            guard let sec = section else { throw .badConfig(path: path, line: n + 1, reason: "key outside any section") }
            let key: Substring, value: String
            if let eq = line.firstIndex(of: "=") {
                key = line[..<eq].trimmingSpaces
                value = try Config.parseValue(line[line.index(after: eq)...], path: path, line: n + 1)
            } else {
                key = line.trimmingSpaces
                value = "true" // a bare key is boolean true
            }
            guard let f = key.first, f.isLetter, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                throw .badConfig(path: path, line: n + 1, reason: "bad key name '\(key)'")
            }
            entries.append(Entry(section: sec, subsection: subsection, key: key.lowercased(), value: value))
            entryLine.append(n)
        }
    }

    static func parseValue(_ raw: Substring, path: String, line: Int) throws(StoreError) -> String {
        var out = ""
        var pendingSpace = ""
        var inQuote = false
        var it = raw.drop(while: { $0 == " " || $0 == "\t" }).makeIterator()
        while let c = it.next() {
            switch c {
            case "\"": inQuote.toggle(); out += pendingSpace; pendingSpace = ""
            case "\\":
                guard let e = it.next() else { throw .badConfig(path: path, line: line, reason: "trailing backslash") }
                out += pendingSpace; pendingSpace = ""
                switch e {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "\\", "\"": out.append(e)
                default: throw .badConfig(path: path, line: line, reason: "bad escape '\\\(e)'")
                }
            case "#", ";":
                // (A `where` clause would guard only the last pattern, ending a quoted "#" value.)
                if !inQuote { return out }
                out += pendingSpace; pendingSpace = ""; out.append(c)
            case " " where !inQuote, "\t" where !inQuote: pendingSpace.append(c)
            default: out += pendingSpace; pendingSpace = ""; out.append(c)
            }
        }
        if inQuote { throw .badConfig(path: path, line: line, reason: "unterminated quote") }
        return out
    }

    /// Splits git's dotted name: `core.bare`, `remote.origin.url` (subsection in the middle).
    static func split(_ name: String) -> (section: String, subsection: String?, key: String) {
        guard let first = name.firstIndex(of: "."), let last = name.lastIndex(of: ".") else { return (name, nil, "") }
        let sub = first == last ? nil : String(name[name.index(after: first)..<last])
        return (String(name[..<first]), sub, String(name[name.index(after: last)...]))
    }

    /// The last value of `section[.subsection].key`, as git reads it.
    public func get(_ name: String) -> String? {
        let (section, subsection, key) = Config.split(name)
        let s = section.lowercased(), k = key.lowercased()
        return entries.last { $0.section == s && $0.subsection == subsection && $0.key == k }?.value
    }

    public func bool(_ name: String) -> Bool? {
        guard let v = get(name)?.lowercased() else { return nil }
        switch v {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0", "": return false
        default: return nil
        }
    }

    /// Integer with git's k/m/g suffixes.
    public func int(_ name: String) -> Int? {
        guard var v = get(name)?.lowercased(), !v.isEmpty else { return nil }
        var scale = 1
        switch v.last {
        case "k": scale = 1 << 10; v.removeLast()
        case "m": scale = 1 << 20; v.removeLast()
        case "g": scale = 1 << 30; v.removeLast()
        default: break
        }
        guard let n = Int(v) else { return nil }
        let (scaled, overflow) = n.multipliedReportingOverflow(by: scale)
        return overflow ? nil : scaled // a value beyond Int is no number, never a trap
    }

    /// Sets a single-valued key: replaces the last occurrence in place, or appends it.
    public mutating func set(_ name: String, _ value: String) {
        let (section, subsection, key) = Config.split(name)
        let s = section.lowercased(), k = key.lowercased()
        let quoted = Config.quote(value)
        if let i = entries.lastIndex(where: { $0.section == s && $0.subsection == subsection && $0.key == k }) {
            entries[i].value = value
            lines[entryLine[i]] = "\t\(key) = \(quoted)"
            return
        }
        let header = subsection.map { "[\(section) \"\(Config.escapeSubsection($0))\"]" } ?? "[\(section)]"
        var insertAt = lines.count
        if let lastInSection = entries.indices.last(where: { entries[$0].section == s && entries[$0].subsection == subsection }) {
            insertAt = entryLine[lastInSection] + 1
        } else {
            lines.append(header)
            insertAt = lines.count
        }
        lines.insert("\t\(key) = \(quoted)", at: insertAt)
        for j in entryLine.indices where entryLine[j] >= insertAt { entryLine[j] += 1 }
        entries.append(Entry(section: s, subsection: subsection, key: k, value: value))
        entryLine.append(insertAt)
    }

    /// Removes every value of `section[.subsection].key` (as `git config --unset-all`); returns
    /// whether there was one. Other lines, comments included, are kept.
    @discardableResult
    public mutating func unset(_ name: String) -> Bool {
        let (section, subsection, key) = Config.split(name)
        let s = section.lowercased(), k = key.lowercased()
        let drop = Set(entries.indices.filter { entries[$0].section == s && entries[$0].subsection == subsection && entries[$0].key == k }.map { entryLine[$0] })
        guard !drop.isEmpty else { return false }
        let kept = lines.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        let text = kept.isEmpty ? "" : kept.joined(separator: "\n") + "\n"
        if let fresh = try? Config(parsing: text, path: "") { self = fresh }
        return true
    }

    /// Removes every entry of `[section "subsection"]` and the headers of that section
    /// (as `git config --remove-section`); other lines, comments included, are kept.
    public mutating func removeSection(_ section: String, subsection: String?) {
        let s = section.lowercased()
        var drop = Set<Int>()
        for (i, e) in entries.enumerated() where e.section == s && e.subsection == subsection { drop.insert(entryLine[i]) }
        for (n, line) in lines.enumerated() where line.drop(while: { $0 == " " || $0 == "\t" }).first == "[" {
            if let probe = try? Config(parsing: line + "\n\tx = 1\n", path: ""), let e = probe.entries.first,
               e.section == s, e.subsection == subsection { drop.insert(n) }
        }
        let kept = lines.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        let text = kept.isEmpty ? "" : kept.joined(separator: "\n") + "\n"
        if let fresh = try? Config(parsing: text, path: "") { self = fresh }
    }

    static func escapeSubsection(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    static func quote(_ v: String) -> String {
        var out = ""
        for c in v {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.append(c)
            }
        }
        let needsQuotes = v.first == " " || v.last == " " || v.contains("#") || v.contains(";")
        return needsQuotes ? "\"\(out)\"" : out
    }

    public var text: String { lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n" }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
    func replacingOccurrences(of a: String, with b: String) -> String { String(self).replacingOccurrences(of: a, with: b) }
}

extension String {
    func replacingOccurrences(of a: String, with b: String) -> String {
        guard !a.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: a) {
            out += rest[..<r.lowerBound]; out += b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

// MARK: validation of what `accord config` writes

extension Config {
    /// Settings that define the repository's format: changing them makes it unreadable (to
    /// Accord, and often to git), so they are never set through `accord config`.
    public static func isFormatKey(_ name: String) -> Bool {
        let (section, subsection, key) = split(name)
        let s = section.lowercased(), k = key.lowercased()
        return (s == "core" && subsection == nil && k == "repositoryformatversion") || s == "extensions"
    }

    /// The range `accord.maxObjectSize` may take: below 1 MiB sound contract objects (scanned
    /// attachments) would be refused as too large; above 64 GiB no object fits in memory anyway.
    public static let maxObjectSizeRange: ClosedRange<Int> = (1 << 20)...(64 << 30)

    /// Checks a variable name as `git config` does (config.c, git_config_parse_key): a section of
    /// ASCII letters, digits and '-'; an optional subsection (anything but a newline, a carriage
    /// return or NUL: git refuses the newline, Accord the carriage return too, since its files are
    /// line-based); a key of ASCII letters, digits and '-' starting with a letter.
    public static func validateName(_ name: String) throws(StoreError) {
        func refuse(_ why: String) -> StoreError {
            .invalidInput("'\(name.debugDescriptionForMessages)' is not a valid setting name: \(why) (write section.key or section.subsection.key, such as user.name)")
        }
        guard let first = name.firstIndex(of: "."), let last = name.lastIndex(of: "."), first != name.startIndex else {
            throw refuse("it has no section")
        }
        guard name.index(after: last) != name.endIndex else { throw refuse("it has no key after the last '.'") }
        let section = name[..<first], key = name[name.index(after: last)...]
        func isKeyChar(_ u: Unicode.Scalar) -> Bool { u.isASCII && (u.properties.isAlphabetic || ("0"..."9").contains(u) || u == "-") }
        guard section.unicodeScalars.allSatisfy(isKeyChar) else {
            throw refuse("the section '\(section)' may hold only ASCII letters, digits and '-'")
        }
        guard let k = key.unicodeScalars.first, k.isASCII, k.properties.isAlphabetic, key.unicodeScalars.allSatisfy(isKeyChar) else {
            throw refuse("the key '\(key.debugDescriptionForMessages)' must start with an ASCII letter and hold only ASCII letters, digits and '-'")
        }
        if first != last {
            let sub = name[name.index(after: first)..<last]
            guard !sub.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) else {
                throw refuse("the subsection contains a newline, a carriage return or NUL")
            }
        }
    }

    /// Checks a value before it is written for `name`: no carriage return or NUL (they would
    /// split or end a line of the file), the format keys refused, and the settings Accord reads
    /// well-formed (sizes in range, booleans as git spells them).
    public static func validateValue(_ value: String, for name: String) throws(StoreError) {
        if isFormatKey(name) {
            throw .invalidInput("\(name) is part of the repository format (git SHA-256, format version 1) and cannot be changed with accord config")
        }
        if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\0" }) {
            throw .invalidInput("the value for \(name) contains a carriage return or NUL, which a config file cannot hold")
        }
        let (section, subsection, key) = split(name)
        guard subsection == nil else { return }
        switch (section.lowercased(), key.lowercased()) {
        case ("accord", "maxobjectsize"):
            var probe = Config(); probe.set("accord.maxObjectSize", value)
            if case let .invalid(why) = probe.maxObjectSize() { throw .invalidInput("accord.maxObjectSize: \(why)") }
        case ("accord", "fsyncobjectfiles"), ("core", "bare"), ("core", "filemode"), ("core", "logallrefupdates"):
            var probe = Config(); probe.set(name, value)
            if probe.bool(name) == nil { throw .invalidInput("\(name) is a boolean: true or false (yes/no, on/off, 1/0), not '\(value)'") }
        default: break
        }
    }

    public enum SizeSetting: Equatable, Sendable {
        case unset
        case valid(Int)
        case invalid(String)
    }

    /// `accord.maxObjectSize` as set: unset, a valid size, or why it is not one (not a number,
    /// beyond Int, or outside `maxObjectSizeRange`).
    public func maxObjectSize() -> SizeSetting {
        guard let raw = get("accord.maxObjectSize") else { return .unset }
        let range = "\(Config.maxObjectSizeRange.lowerBound >> 20)m to \(Config.maxObjectSizeRange.upperBound >> 30)g"
        guard let n = int("accord.maxObjectSize") else {
            return .invalid("'\(raw.debugDescriptionForMessages)' is not a size (a whole number of bytes, optionally with k, m or g, from \(range))")
        }
        guard Config.maxObjectSizeRange.contains(n) else { return .invalid("'\(raw)' is outside the allowed range, \(range)") }
        return .valid(n)
    }
}

extension StringProtocol {
    /// The text with control characters escaped, for error messages that quote input.
    public var debugDescriptionForMessages: String {
        var out = ""
        for u in unicodeScalars {
            if u.value < 0x20 || u.value == 0x7F { out += "\\u{\(String(u.value, radix: 16, uppercase: true))}" } else { out.unicodeScalars.append(u) }
        }
        return out
    }
}
