import Foundation
import Testing

/// The hub's suites that run servers and processes, one test at a time: each blocks a test thread
/// while it waits on its children; run in parallel they would hold both threads of a 2-core
/// machine and starve other suites' time limits (see AccordCLITests' HeadOffice).
@Suite(.serialized, .timeLimit(.minutes(10))) enum Hub {}
import AccordTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Helpers for HubInteropTests: `accord serve` as a child process, an organisation made with
/// ssh-keygen keys, and stock git / curl / openssl as the oracles.
enum HubTools {
    /// The package root (…/Tests/AccordHubTests/HubTestSupport.swift → …).
    static let packageRoot: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }()
    static let accord: String = {
        if let env = ProcessInfo.processInfo.environment["ACCORD_BIN"], !env.isEmpty { return env }
        return "\(packageRoot)/.build/debug/accord"
    }()
    static let git = "/usr/bin/git"
    static func which(_ name: String) -> String? {
        for d in ["/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin"] where FileManager.default.isExecutableFile(atPath: "\(d)/\(name)") {
            return "\(d)/\(name)"
        }
        return nil
    }
    static let sshKeygen = which("ssh-keygen")
    static let curl = which("curl")
    static let openssl = which("openssl")
    static var ready: Bool { sshKeygen != nil && curl != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/timeout") && FileManager.default.isExecutableFile(atPath: accord) }
    static var missing: String {
        var m: [String] = []
        if sshKeygen == nil { m.append("ssh-keygen") }
        if curl == nil { m.append("curl") }
        if !FileManager.default.isExecutableFile(atPath: accord) { m.append(accord) }
        return m.isEmpty ? "" : "missing: \(m.joined(separator: ", "))"
    }
    /// No program in these tests should run longer than this; a hang is killed and fails.
    static let processTimeout: Double = 50
}

/// The outcome of a program.
struct HubRun: Sendable {
    var status: Int32
    var out: String
    var err: String
    var trimmed: String { out.trimmingCharacters(in: .whitespacesAndNewlines) }
    var lines: [String] { trimmed.isEmpty ? [] : trimmed.split(separator: "\n").map(String.init) }
}

/// A program started in the background, stdout/stderr into files, killed by a watchdog if it hangs.
final class HubRunning: @unchecked Sendable {
    let child: ChildProcess
    let outPath: String, errPath: String
    let what: String
    private let watchdog: DispatchWorkItem
    private let lock = NSLock()
    private var hung = false
    private var result: HubRun?

    init(_ exe: String, _ args: [String], cwd: String, env: [String: String], timeout: Double = HubTools.processTimeout) throws {
        let base = FileManager.default.temporaryDirectory.path + "/accord-hubrun-" + UUID().uuidString
        outPath = base + ".out"; errPath = base + ".err"
        what = ([URL(fileURLWithPath: exe).lastPathComponent] + args).joined(separator: " ")
        let c = try ChildProcess(exe, args, environment: env, directory: cwd, stdinPath: nil, stdoutPath: outPath, stderrPath: errPath)
        child = c
        let box = Box()
        watchdog = DispatchWorkItem { box.fire(); c.kill(SIGKILL) }
        hungBox = box
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    }
    private final class Box: @unchecked Sendable {
        private let l = NSLock(); private var v = false
        func fire() { l.lock(); v = true; l.unlock() }
        var fired: Bool { l.lock(); defer { l.unlock() }; return v }
    }
    private let hungBox: Box
    deinit { for p in [outPath, errPath] { try? FileManager.default.removeItem(atPath: p) } }

    var stdoutSoFar: String { String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self) }
    var stderrSoFar: String { String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self) }

    func kill(_ signal: Int32) { child.kill(signal) }

    /// Still running (not exited, not a zombie), without reaping it.
    var isRunning: Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(child.pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
        return state != "Z" && state != "X"
    }

    @discardableResult
    func wait() -> HubRun {
        let status = child.wait()
        watchdog.cancel()
        lock.lock(); defer { lock.unlock() }
        if let result { return result }
        if hungBox.fired { Issue.record("'\(what.prefix(200))' ran for over \(Int(HubTools.processTimeout)) s: taken for hung and killed") }
        let r = HubRun(status: status, out: stdoutSoFar, err: stderrSoFar)
        result = r
        return r
    }
}

/// One test's world: keys for admin (head office, contractAdmin), zhang (East salesRep) and wang
/// (West salesRep); an organisation repository `hq` with HT-2026-001 (East) and HT-2026-002 (West);
/// the hub's bare repository `hub.git` (an accord bare clone of hq) and a token per person.
final class HubWorld: @unchecked Sendable {
    let root: String
    var hub: String { "\(root)/hub.git" }
    var hq: String { "\(root)/hq" }
    private(set) var tokens: [String: String] = [:]
    static let east = "refs/contracts/HT-2026-001"
    static let west = "refs/contracts/HT-2026-002"

    init() throws {
        root = FileManager.default.temporaryDirectory.path + "/accord-hubi-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: "\(root)/keys", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(root)/home", withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// A clean environment: no inherited ACCORD_/GIT_ settings or user config, acting as `person`.
    func env(_ person: String = "admin", _ extra: [String: String] = [:]) -> [String: String] {
        var e = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ACCORD_") && !$0.key.hasPrefix("GIT_") }
        e["HOME"] = "\(root)/home"
        e["XDG_CONFIG_HOME"] = "\(root)/home"
        e["GIT_CONFIG_NOSYSTEM"] = "1"
        e["GIT_CONFIG_GLOBAL"] = "/dev/null"
        e["GIT_TERMINAL_PROMPT"] = "0"
        e["GIT_ASKPASS"] = "/bin/false"
        e["SSH_ASKPASS"] = "/bin/false"
        e["LC_ALL"] = "C.UTF-8"
        e["TZ"] = "UTC"
        e["NO_COLOR"] = "1"
        let name = person.prefix(1).uppercased() + person.dropFirst()
        for k in ["AUTHOR", "COMMITTER"] {
            e["ACCORD_\(k)_NAME"] = name
            e["ACCORD_\(k)_EMAIL"] = "\(person)@example.cn"
            e["GIT_\(k)_NAME"] = name
            e["GIT_\(k)_EMAIL"] = "\(person)@example.cn"
        }
        e["ACCORD_SIGNING_KEY"] = key(person)
        for (k, v) in extra { e[k] = v }
        return e
    }
    func key(_ person: String) -> String { "\(root)/keys/\(person)" }

    @discardableResult
    func run(_ exe: String, _ args: [String], cwd: String? = nil, as person: String = "admin",
             env extra: [String: String] = [:]) -> HubRun {
        do { return try HubRunning(exe, args, cwd: cwd ?? root, env: env(person, extra)).wait() } catch {
            Issue.record("cannot run \(exe): \(error)")
            return HubRun(status: -1, out: "", err: "\(error)")
        }
    }
    func start(_ exe: String, _ args: [String], cwd: String? = nil, as person: String = "admin",
               env extra: [String: String] = [:]) throws -> HubRunning {
        try HubRunning(exe, args, cwd: cwd ?? root, env: env(person, extra))
    }
    @discardableResult
    func accord(_ args: String..., cwd: String? = nil, as person: String = "admin") -> HubRun {
        run(HubTools.accord, args, cwd: cwd, as: person)
    }
    @discardableResult
    func git(_ args: String..., cwd: String? = nil, as person: String = "admin", env extra: [String: String] = [:]) -> HubRun {
        run(HubTools.git, args, cwd: cwd, as: person, env: extra)
    }
    /// Runs and expects exit 0; trimmed stdout.
    @discardableResult
    func ok(_ exe: String, _ args: [String], cwd: String? = nil, as person: String = "admin",
            sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let r = run(exe, args, cwd: cwd, as: person)
        #expect(r.status == 0, "\(URL(fileURLWithPath: exe).lastPathComponent) \(args.joined(separator: " ")) failed (\(r.status)): \(r.err)", sourceLocation: sourceLocation)
        return r.trimmed
    }
    @discardableResult
    func accordOK(_ args: String..., cwd: String? = nil, as person: String = "admin",
                  sourceLocation: SourceLocation = #_sourceLocation) -> String {
        ok(HubTools.accord, args, cwd: cwd, as: person, sourceLocation: sourceLocation)
    }
    @discardableResult
    func gitOK(_ args: String..., cwd: String? = nil, as person: String = "admin",
               sourceLocation: SourceLocation = #_sourceLocation) -> String {
        ok(HubTools.git, args, cwd: cwd, as: person, sourceLocation: sourceLocation)
    }

    /// `git mktree` of `listing` (ls-tree lines) in `gitDir`: a tree made by hand for a forged commit.
    func mktree(_ gitDir: String, _ listing: String) throws -> String {
        let f = "\(root)/tree-\(UUID().uuidString).txt"
        FileManager.default.createFile(atPath: f, contents: Data((listing + "\n").utf8))
        let r = run("/bin/sh", ["-c", "\(HubTools.git) --git-dir '\(gitDir)' mktree < '\(f)'"])
        guard r.status == 0 else { throw HubSetupError("mktree: \(r.err)") }
        return r.trimmed
    }

    /// Keys, the organisation, two contracts, the hub repository and tokens for everyone.
    func setUp() throws {
        for p in ["admin", "zhang", "wang", "stranger"] {
            let r = run(HubTools.sshKeygen!, ["-q", "-t", "ed25519", "-N", "", "-C", "\(p)@example.cn", "-f", key(p)])
            guard r.status == 0 else { throw HubSetupError("ssh-keygen: \(r.err)") }
        }
        try must(HubTools.accord, ["init", "-q", "hq"])
        try must(HubTools.accord, ["org", "init", "--name", "Demo", "--role", "contractAdmin", "--office", "HQ"], cwd: hq)
        try must(HubTools.accord, ["org", "person", "add", "zhang@example.cn", "--name", "Zhang", "--key", key("zhang") + ".pub",
                                   "--role", "salesRep", "--office", "East"], cwd: hq)
        try must(HubTools.accord, ["org", "person", "add", "wang@example.cn", "--name", "Wang", "--key", key("wang") + ".pub",
                                   "--role", "salesRep", "--office", "West"], cwd: hq)
        try must(HubTools.accord, ["new", "HT-2026-001", "--type", "sales", "subject=Lathe", "buyer.name=EastCo", "totalAmount=100.00", "office=East"], cwd: hq)
        try must(HubTools.accord, ["new", "HT-2026-002", "--type", "sales", "subject=Drill", "buyer.name=WestCo", "totalAmount=200.00", "office=West"], cwd: hq)
        try must(HubTools.accord, ["clone", "-q", "--bare", "hq", "hub.git"])
        for p in ["admin", "zhang", "wang"] {
            tokens[p] = try must(HubTools.accord, ["serve", "token", "create", "\(p)@example.cn"], cwd: hub)
        }
    }

    @discardableResult
    func must(_ exe: String, _ args: [String], cwd: String? = nil, as person: String = "admin") throws -> String {
        let r = run(exe, args, cwd: cwd, as: person)
        guard r.status == 0 else { throw HubSetupError("\(exe) \(args.joined(separator: " ")) failed (\(r.status)): \(r.err)") }
        return r.trimmed
    }

    /// The East rep's replica with a 25 MB attachment on the East contract (a push that takes
    /// a while): its path and the commit to push.
    func replicaWithLargePush() throws -> (replica: String, commit: String) {
        let east = try replica("east", as: "zhang")
        try must("/bin/sh", ["-c", "head -c 25000000 /dev/urandom > '\(root)/big.bin'"])
        accordOK("attach", "HT-2026-001", "\(root)/big.bin", cwd: east, as: "zhang")
        return (east, gitOK("--git-dir", "\(east)/.accord", "rev-parse", HubWorld.east, as: "zhang"))
    }

    /// An accord replica of the hub, cloned by path, acting as `person`.
    func replica(_ name: String, as person: String) throws -> String {
        try must(HubTools.accord, ["clone", "-q", hub, name], as: person)
        return "\(root)/\(name)"
    }

    /// The hub's refs/contracts and refs/accord (name → id), as stock git lists them.
    func hubRefs() -> [String: String] {
        refs(gitDir: hub, "refs/contracts", "refs/accord")
    }
    func refs(gitDir: String, _ prefixes: String...) -> [String: String] {
        let r = run(HubTools.git, ["--git-dir", gitDir, "for-each-ref", "--format=%(refname) %(objectname)"] + prefixes)
        var m: [String: String] = [:]
        for l in r.lines { let p = l.split(separator: " "); if p.count == 2 { m[String(p[0])] = String(p[1]) } }
        return m
    }
    func hubRef(_ ref: String) -> String? { hubRefs()[ref] }

    /// Every file under the hub's objects directory (relative paths), and the incoming-* dirs left.
    func hubObjectFiles() -> Set<String> {
        let base = "\(hub)/objects"
        guard let e = FileManager.default.enumerator(atPath: base) else { return [] }
        var s = Set<String>()
        while let p = e.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(base)/\(p)", isDirectory: &isDir), !isDir.boolValue { s.insert(p) }
        }
        return s
    }
    func quarantinesLeft() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(hub)/objects")) ?? []).filter { $0.hasPrefix("incoming") }
    }
}

struct HubSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// `accord serve --bind 127.0.0.1:0 REPO` as a child process; the URL from its first stdout line.
final class HubProcess: @unchecked Sendable {
    let running: HubRunning
    let url: String
    var port: Int { Int(url.split(separator: ":").last!.filter(\.isNumber))! }

    init(_ world: HubWorld, extra: [String] = [], scheme: String = "http", env: [String: String] = [:]) throws {
        // Under coreutils' timeout (its own process group, which it signals): the hub ends within
        // two minutes even if this test process dies without stopping it.
        running = try HubRunning("/usr/bin/timeout", ["-k", "5", "110", HubTools.accord, "serve", "--bind", "127.0.0.1:0"] + extra + [world.hub],
                                 cwd: world.root, env: world.env("admin", env), timeout: 120)
        let deadline = Date().addingTimeInterval(30)
        var found: String?
        while Date() < deadline {
            let out = running.stdoutSoFar
            if let line = out.split(separator: "\n").first(where: { $0.hasPrefix("accord hub: serving ") }),
               out.contains("\n"), let r = line.range(of: " at ") {
                found = String(line[r.upperBound...]).trimmingCharacters(in: .whitespaces)
                break
            }
            if !running.isRunning { break }
            usleep(20_000)
        }
        guard let found else {
            running.kill(SIGKILL)
            let r = running.wait()
            throw HubSetupError("the hub did not say where it serves within 30 s: stdout \(r.out) stderr \(r.err)")
        }
        url = found
        _ = scheme
    }

    /// The hub's log so far (stderr).
    var log: String { running.stderrSoFar }

    /// The URL with `email:token` for git (the @ percent-encoded).
    func url(_ person: String, _ token: String) -> String {
        let host = url.replacingOccurrences(of: "http://", with: "").replacingOccurrences(of: "https://", with: "")
        let scheme = url.hasPrefix("https") ? "https" : "http"
        return "\(scheme)://\(person)%40example.cn:\(token)@\(host)/"
    }

    /// SIGTERM, then wait (SIGKILL if it has not stopped within 10 s).
    @discardableResult
    func stop() -> HubRun {
        running.kill(SIGTERM)
        let pid = running.child.pid
        let killer = DispatchWorkItem { _ = Glibc.kill(-pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 10, execute: killer)
        let r = running.wait()
        killer.cancel()
        return r
    }
    /// SIGKILL to the hub (and its timeout wrapper: the whole process group).
    func killHard() -> HubRun {
        if running.isRunning { _ = Glibc.kill(-running.child.pid, SIGKILL) }
        return running.wait()
    }
}
