import AccordStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tokens for hubs, kept in a file in git-credential-store's format (one URL a line,
/// `https://person%40example.com:TOKEN@host:port/path`), never in a remote's URL or the config,
/// which are copied around and printed.
public enum Credentials {
    /// ACCORD_CREDENTIALS_FILE, else `$XDG_CONFIG_HOME/accord/credentials`, else
    /// `$HOME/.config/accord/credentials`.
    public static func path(environment: [String: String]) -> String {
        if let f = environment["ACCORD_CREDENTIALS_FILE"], !f.isEmpty { return f }
        if let x = environment["XDG_CONFIG_HOME"], x.hasPrefix("/") { return "\(x)/accord/credentials" }
        return "\(home(environment))/.config/accord/credentials"
    }

    /// Writes (or replaces) the line for `url`'s server and path: temp file, fsync, rename; the
    /// file is mode 0600 and the directories made for it 0700.
    public static func store(url: String, person: String, token: String, environment: [String: String]) throws {
        var why = ""
        guard var u = HTTPURL.parse(url, why: &why) else { throw TransportError.badRemote("'\(url)' is not an http(s) address: \(why)") }
        guard u.password == nil, u.user == nil else {
            throw TransportError.badRemote("give the hub's address without a name or token in it (\(u.base))")
        }
        guard !person.isEmpty, !person.contains(where: { $0.isNewline }) else { throw TransportError.badRemote("the person for a credential must be one non-empty line") }
        guard !token.isEmpty, !token.contains(where: { $0.isNewline || $0 == " " }) else {
            throw TransportError.badRemote("a token must be non-empty, on one line, without spaces")
        }
        let file = path(environment: environment)
        var lines: [String] = []
        if let text = try readChecked(file) {
            for line in text.split(whereSeparator: \.isNewline) {
                var w = ""
                // Another line for the same server and path is replaced; every other line stays as it was.
                if let e = HTTPURL.parse(String(line), why: &w), e.sameServer(u), e.path == u.path { continue }
                lines.append(String(line))
            }
        }
        u.user = HTTPURL.percentEncode(person); u.password = HTTPURL.percentEncode(token)
        lines.append("\(u.scheme)://\(u.user ?? ""):\(u.password ?? "")@\(u.hostPort)\(u.path)")
        try makePrivateDirectories(FileIO.dirname(of: file))
        do throws(StoreError) {
            try FileIO.writeAtomically(file, Array((lines.joined(separator: "\n") + "\n").utf8), mode: 0o600, tempPrefix: ".credentials.tmp_")
        } catch {
            throw TransportError.badRemote("cannot write the credentials file: \(error.description)")
        }
    }

    /// The person and token for `url`: the line of the same scheme, host and port whose path is
    /// the longest one that is `url`'s or a parent of it. nil if none or no file.
    static func lookup(for url: HTTPURL, environment: [String: String]) throws -> (person: String, token: String)? {
        let file = path(environment: environment)
        guard let text = try readChecked(file) else { return nil }
        var best: (length: Int, person: String, token: String)?
        for line in text.split(whereSeparator: \.isNewline) {
            var why = ""
            guard let e = HTTPURL.parse(String(line), why: &why), e.sameServer(url), url.pathStarts(with: e),
                  let user = e.user.flatMap(HTTPURL.percentDecode), let token = e.password.flatMap(HTTPURL.percentDecode) else { continue }
            let length = e.pathComponents.count
            if best == nil || length > (best?.length ?? 0) { best = (length, user, token) }
        }
        return best.map { ($0.person, $0.token) }
    }

    /// The file's text, nil if it does not exist. Refused, like ssh refuses a private key, when
    /// its mode lets the group or others read or write it: the tokens in it are passwords.
    static func readChecked(_ file: String) throws -> String? {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw TransportError.badRemote("cannot read the credentials file \(file): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw TransportError.badRemote("cannot stat the credentials file \(file): \(String(cString: strerror(errno)))") }
        let mode = st.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw TransportError.badRemote("\(file) is readable by others (mode 0\(String(mode, radix: 8))): chmod 600 it")
        }
        guard st.st_size <= 1 << 20 else { throw TransportError.badRemote("the credentials file \(file) is larger than 1 MiB") }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw TransportError.badRemote("cannot read the credentials file \(file): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            out += buf[..<n]
            guard out.count <= 1 << 20 else { throw TransportError.badRemote("the credentials file \(file) is larger than 1 MiB") }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Creates the missing directories of `dir` with mode 0700 (existing ones are left alone).
    static func makePrivateDirectories(_ dir: String) throws {
        guard !dir.isEmpty, !FileIO.isDirectory(dir) else { return }
        let parent = FileIO.dirname(of: dir)
        if parent != dir { try makePrivateDirectories(parent) }
        if mkdir(dir, 0o700) != 0 && errno != EEXIST {
            throw TransportError.badRemote("cannot create the directory \(dir) for the credentials file: \(String(cString: strerror(errno)))")
        }
    }

    private static func home(_ environment: [String: String]) -> String {
        if let h = environment["HOME"], !h.isEmpty { return h }
        if let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir { return String(cString: dir) }
        return ""
    }
}
