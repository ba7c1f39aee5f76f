/// An `http://` or `https://` address split into the parts the client and the credentials file
/// compare: scheme, host, port (the scheme's default when none is written) and path.
struct HTTPURL: Equatable, Sendable {
    var scheme: String
    /// Lowercased; an IPv6 address keeps its brackets.
    var host: String
    var port: Int
    var explicitPort: Bool
    /// "" or "/a/b", without a trailing slash.
    var path: String
    /// Still percent-encoded, as written.
    var user: String?
    var password: String?

    static func hasHTTPScheme(_ s: String) -> Bool {
        let l = s.prefix(8).lowercased()
        return l.hasPrefix("http://") || l.hasPrefix("https://")
    }

    /// nil when `s` is not an http(s) address or is malformed; `why` says what is wrong.
    static func parse(_ s: String, why: inout String) -> HTTPURL? {
        guard hasHTTPScheme(s) else { why = "it does not start with http:// or https://"; return nil }
        let scheme = s.prefix(8).lowercased().hasPrefix("https://") ? "https" : "http"
        let rest = s.dropFirst(scheme.count + 3)
        guard !rest.contains("?"), !rest.contains("#") else { why = "a repository address has no query or fragment"; return nil }
        guard !rest.contains(where: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }) else {
            why = "it contains white space"; return nil
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash]
        var path = String(rest[slash...])
        while path.hasSuffix("/") { path.removeLast() }
        var user: String?, password: String?
        if let at = authority.lastIndex(of: "@") {
            let info = authority[..<at]
            if let colon = info.firstIndex(of: ":") {
                user = String(info[..<colon]); password = String(info[info.index(after: colon)...])
            } else {
                user = String(info)
            }
            authority = authority[authority.index(after: at)...]
        }
        var host = Substring(""), portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { why = "the IPv6 address has no closing ']'"; return nil }
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { why = "unexpected text after the IPv6 address"; return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]; portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { why = "it names no host"; return nil }
        var port = scheme == "https" ? 443 : 80
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let p = Int(portText), (1...65535).contains(p) else {
                why = "'\(portText)' is not a port number"; return nil
            }
            port = p
        }
        return HTTPURL(scheme: scheme, host: host.lowercased(), port: port, explicitPort: portText != nil,
                       path: path, user: user, password: password)
    }

    var hostPort: String { explicitPort ? "\(host):\(port)" : host }

    /// The address without credentials.
    var base: String { "\(scheme)://\(hostPort)\(path)" }

    /// The same server (scheme, host and port; a written default port is the same as none).
    func sameServer(_ o: HTTPURL) -> Bool { scheme == o.scheme && host == o.host && port == o.port }

    var pathComponents: [Substring] { path.split(separator: "/") }

    /// True when `prefix`'s path is this one's or a parent of it, component by component (so
    /// `/team` covers `/team/repo.git` but not `/team2`).
    func pathStarts(with prefix: HTTPURL) -> Bool {
        let mine = pathComponents, theirs = prefix.pathComponents
        return theirs.count <= mine.count && zip(mine, theirs).allSatisfy { $0 == $1 }
    }

    // Percent-encoding as git-credential-store writes user names and passwords: everything but
    // RFC 3986's unreserved characters.
    static func percentEncode(_ s: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for b in s.utf8 {
            switch b {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E: out.append(b)
            default: out += [0x25, hex[Int(b >> 4)], hex[Int(b & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// nil when a `%` is not followed by two hex digits.
    static func percentDecode(_ s: String) -> String? {
        let b = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < b.count {
            if b[i] == 0x25 {
                guard i + 2 < b.count, let h = HexDigit.value(b[i + 1]), let l = HexDigit.value(b[i + 2]) else { return nil }
                out.append(h << 4 | l); i += 3
            } else {
                out.append(b[i]); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

private enum HexDigit {
    static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}
