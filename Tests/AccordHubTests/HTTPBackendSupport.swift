import Foundation
import AccordTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A scratch directory removed when released.
final class HTTPTestDir: @unchecked Sendable {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/accord-http-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

struct GitFailure: Error, CustomStringConvertible { let description: String }

/// Runs stock git with an environment of its own (no user or system config).
@discardableResult
func runGit(_ args: [String], in dir: String? = nil, input: [UInt8] = []) throws -> String {
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GIT_") }
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = "/dev/null"
    env["GIT_AUTHOR_NAME"] = "Tester"; env["GIT_AUTHOR_EMAIL"] = "t@example.com"
    env["GIT_COMMITTER_NAME"] = "Tester"; env["GIT_COMMITTER_EMAIL"] = "t@example.com"
    env["GIT_AUTHOR_DATE"] = "1700000000 +0000"; env["GIT_COMMITTER_DATE"] = "1700000000 +0000"
    let r = try ChildProcess.run("/usr/bin/git", args, environment: env, directory: dir, input: input)
    guard r.status == 0 else {
        throw GitFailure(description: "git \(args.joined(separator: " ")) failed (\(r.status)): \(String(decoding: r.stderr, as: UTF8.self))")
    }
    return String(decoding: r.stdout, as: UTF8.self)
}

/// Stock `git http-backend` behind nginx and fcgiwrap on a loopback port, serving the bare
/// SHA-256 repositories under `root` (one, `repo.git`, is made). Everything (config, sockets,
/// pid, logs, nginx's temp directories) is in a temp directory; both processes run as the
/// current user and are stopped on release.
///
/// A few fixed locations test what git's backend never answers: `/private/` returns 401,
/// `/forbidden/` 403, and `/feed/accord/changes` a fixed changes-feed JSON, but only with
/// the Authorization header `feedAuthorization` (else 401).
final class HTTPGitServer: @unchecked Sendable {
    static let nginx = "/usr/sbin/nginx"
    static let fcgiwrap = "/usr/sbin/fcgiwrap"
    static let backend = "/usr/lib/git-core/git-http-backend"

    /// nil when everything needed is installed; else what is missing.
    static var missing: String? {
        let absent = [nginx, fcgiwrap, backend].filter { !FileManager.default.isExecutableFile(atPath: $0) }
        return absent.isEmpty ? nil : "\(absent.joined(separator: ", ")) not installed (Debian: apt-get install nginx fcgiwrap git)"
    }
    static var available: Bool { missing == nil }

    static let feedJSON = #"{"feed":"hub-1","last":7,"changes":[{"seq":6,"ref":"refs/contracts/C-1","id":"IDHEX","visible":true},{"seq":7,"ref":"refs/contracts/C-2","id":null,"visible":false}]}"#
    static let feedID = String(repeating: "ab", count: 32)

    let dir: HTTPTestDir
    let root: String
    let port: Int
    let feedAuthorization: String
    private var fcgi: ChildProcess?
    private var server: ChildProcess?

    /// The served repository's git dir and address.
    var repo: String { "\(root)/repo.git" }
    var url: String { "http://127.0.0.1:\(port)/repo.git" }
    var base: String { "http://127.0.0.1:\(port)" }

    init(feedAuthorization: String = "Bearer feed-token") throws {
        dir = try HTTPTestDir()
        root = "\(dir.path)/root"
        self.feedAuthorization = feedAuthorization
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try runGit(["init", "-q", "--bare", "--object-format=sha256", "\(root)/repo.git"])
        try runGit(["--git-dir", "\(root)/repo.git", "config", "http.receivepack", "true"])
        port = try Self.freePort()
        // A unix socket path must fit in 108 bytes: a short name in /tmp.
        let socket = "/tmp/accord-fcgi-\(UUID().uuidString.prefix(8)).sock"
        let d = dir.path
        let feed = Self.feedJSON.replacingOccurrences(of: "IDHEX", with: Self.feedID)
        let asRoot = getuid() == 0 ? "user root root;\n" : ""
        let config = """
        daemon off;
        master_process off;
        \(asRoot)pid \(d)/nginx.pid;
        error_log \(d)/error.log info;
        events { worker_connections 64; }
        http {
          access_log \(d)/access.log;
          client_body_temp_path \(d)/body; fastcgi_temp_path \(d)/fastcgi; proxy_temp_path \(d)/proxy;
          uwsgi_temp_path \(d)/uwsgi; scgi_temp_path \(d)/scgi;
          client_max_body_size 0;
          default_type text/plain;
          server {
            listen 127.0.0.1:\(port);
            location /private/ { return 401 "no token here\\n"; }
            location /forbidden/ { return 403 "not for you\\n"; }
            location = /feed/accord/changes {
              default_type application/json;
              if ($http_authorization != "\(feedAuthorization)") { return 401 "wrong token\\n"; }
              return 200 '\(feed)';
            }
            location / {
              fastcgi_pass unix:\(socket);
              fastcgi_param SCRIPT_FILENAME \(Self.backend);
              fastcgi_param GIT_PROJECT_ROOT \(root);
              fastcgi_param GIT_HTTP_EXPORT_ALL "";
              fastcgi_param PATH_INFO $uri;
              fastcgi_param QUERY_STRING $query_string;
              fastcgi_param REQUEST_METHOD $request_method;
              fastcgi_param CONTENT_TYPE $content_type;
              fastcgi_param CONTENT_LENGTH $content_length;
              fastcgi_param GIT_PROTOCOL $http_git_protocol;
              fastcgi_param REMOTE_USER $remote_user;
              fastcgi_param REMOTE_ADDR $remote_addr;
              fastcgi_param SERVER_PROTOCOL $server_protocol;
              fastcgi_param HTTP_CONTENT_ENCODING $http_content_encoding;
            }
          }
        }
        """
        socketPath = socket
        try config.write(toFile: "\(d)/nginx.conf", atomically: true, encoding: .utf8)
        let env = ["PATH": "/usr/bin:/bin", "HOME": d, "GIT_CONFIG_NOSYSTEM": "1"]
        fcgi = try ChildProcess(Self.fcgiwrap, ["-s", "unix:\(socket)"], environment: env, directory: d,
                                stdinPath: nil, stdoutPath: "\(d)/fcgiwrap.out", stderrPath: "\(d)/fcgiwrap.err")
        server = try ChildProcess(Self.nginx, ["-p", d, "-e", "\(d)/error.log", "-c", "\(d)/nginx.conf"], environment: env,
                                  directory: d, stdinPath: nil, stdoutPath: "\(d)/nginx.out", stderrPath: "\(d)/nginx.err")
        try waitFor("fcgiwrap's socket \(socket)") { FileManager.default.fileExists(atPath: socket) }
        try waitFor("nginx on port \(port)") { Self.accepts(port: self.port) }
    }

    private var socketPath = ""

    deinit {
        server?.kill(SIGTERM); server?.wait()
        if let fcgi {
            // fcgiwrap's own children (its workers, a CGI still running) would outlive it.
            let children = Self.children(of: fcgi.pid)
            fcgi.kill(SIGTERM); fcgi.wait()
            for c in children { kill(c, SIGTERM) }
        }
        unlink(socketPath)
    }

    /// The processes whose parent is `pid` (from /proc).
    static func children(of pid: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { e -> pid_t? in
            guard let child = pid_t(e), let stat = try? String(contentsOfFile: "/proc/\(e)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // "pid (comm) state ppid ...": the fields after the command name.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == pid ? child : nil
        }
    }

    /// The log files, for a failing test's message.
    var logs: String {
        ["error.log", "nginx.err", "fcgiwrap.err"].map { f in
            "\(f): " + ((try? String(contentsOfFile: "\(dir.path)/\(f)", encoding: .utf8)) ?? "")
        }.joined(separator: "\n")
    }

    private func waitFor(_ what: String, _ ready: () -> Bool) throws {
        for _ in 0..<200 {
            if ready() { return }
            usleep(25_000)
        }
        throw GitFailure(description: "\(what) did not come up within 5 s\n\(logs)")
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw GitFailure(description: "socket: \(errno)") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw GitFailure(description: "bind: \(errno)") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Commits `files` with stock git in a work tree of its own and pushes the commit to `ref`
    /// of the served repository (by path); returns the commit's id.
    @discardableResult
    func commit(_ ref: String, _ files: [String: String], message: String) throws -> String {
        let work = "\(dir.path)/work-\(ref.split(separator: "/").last ?? "x")"
        if !FileManager.default.fileExists(atPath: work) {
            try runGit(["init", "-q", "--object-format=sha256", work])
            if (try? runGit(["--git-dir", repo, "rev-parse", "--verify", "-q", ref])) != nil {
                try runGit(["fetch", "-q", repo, "\(ref):refs/heads/tmp"], in: work)
                try runGit(["checkout", "-q", "tmp"], in: work)
            }
        }
        for (path, content) in files {
            let full = "\(work)/\(path)"
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try content.write(toFile: full, atomically: true, encoding: .utf8)
        }
        try runGit(["add", "-A"], in: work)
        try runGit(["commit", "-q", "-m", message], in: work)
        try runGit(["push", "-q", repo, "HEAD:\(ref)"], in: work)
        return try runGit(["rev-parse", "HEAD"], in: work).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
