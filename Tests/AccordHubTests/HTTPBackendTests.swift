import Foundation
import Testing
import AccordTestSupport
import AccordObjects
import AccordStore
import AccordProtocol
@testable import AccordSync

/// SmartHTTPRemote against stock `git http-backend` (nginx + fcgiwrap): what git's own server
/// says is what a hub must say, so the client is checked against the reference.
extension Hub {
@Suite("HTTPBackend", .serialized, .enabled(if: HTTPGitServer.available, Comment(rawValue: HTTPGitServer.missing ?? "")))
struct HTTPBackendTests {
    let env: [String: String] = ["HOME": "/nonexistent", "ACCORD_CREDENTIALS_FILE": "/nonexistent/credentials"]

    func ids(_ lines: String) -> [ObjectID] {
        lines.split(whereSeparator: \.isNewline).compactMap { ObjectID(hex: $0.prefix(64)) }
    }

    /// Every object id reachable from the served repository's refs.
    func serverObjects(_ server: HTTPGitServer) throws -> [ObjectID] {
        ids(try runGit(["--git-dir", server.repo, "rev-list", "--objects", "--all"]))
    }

    @Test func lsRefsListsWhatForEachRefLists() throws {
        let server = try HTTPGitServer()
        try server.commit("refs/contracts/C-1", ["contract.json": "{\"n\":1}\n"], message: "one")
        try server.commit("refs/contracts/C-2", ["contract.json": "{\"n\":2}\n", "notes/a.txt": "a\n"], message: "two")
        try runGit(["--git-dir", server.repo, "tag", "-a", "-m", "signed off", "v1", "refs/contracts/C-1"])
        let expected = try runGit(["--git-dir", server.repo, "for-each-ref", "--format=%(objectname) %(refname)"])
            .split(whereSeparator: \.isNewline).map(String.init).sorted()
        let remote = try SmartHTTPRemote(url: server.url + "/", environment: env)
        let all = try remote.lsRefs(prefixes: []).map { "\($0.id.hex) \($0.name)" }.sorted()
        #expect(all == expected, "\(server.logs)")
        let contracts = try remote.lsRefs(prefixes: ["refs/contracts/"]).map(\.name).sorted()
        #expect(contracts == ["refs/contracts/C-1", "refs/contracts/C-2"])
        #expect(try remote.lsRefs(prefixes: ["refs/none/"]).isEmpty)
    }

    @Test func fetchBringsEveryObjectAndIncrementalFetchSendsFewer() throws {
        let server = try HTTPGitServer()
        let first = try server.commit("refs/contracts/C-1", ["contract.json": "{\"n\":1}\n", "docs/terms.txt": String(repeating: "terms\n", count: 500)], message: "one")
        let dir = try HTTPTestDir()
        let repo = try Repository.create(at: "\(dir.path)/local", bare: true)
        let remote = try SmartHTTPRemote(url: server.url, environment: env)
        let tip = try #require(ObjectID(hex: first))

        nonisolated(unsafe) var phases: [(String, Int, Int)] = []
        let received = try remote.fetchPack(wants: [tip], haves: [], into: repo, progress: { phases.append(($0, $1, $2)) })
        let all = try serverObjects(server)
        #expect(received.objects == all.count)
        #expect(received.packID != nil)
        #expect(phases.contains { $0.0 == "Receiving objects" && $0.1 > 0 })
        for id in all { try runGit(["--git-dir", repo.gitDir, "cat-file", "-e", id.hex]) }
        try runGit(["--git-dir", repo.gitDir, "fsck", "--strict"])
        // No temp pack is left behind.
        #expect(!FileIO.list("\(repo.objects.directory)/pack").contains { $0.hasPrefix("tmp_") })

        let second = try server.commit("refs/contracts/C-1", ["contract.json": "{\"n\":2}\n"], message: "two")
        let tip2 = try #require(ObjectID(hex: second))
        let incremental = try remote.fetchPack(wants: [tip2], haves: [tip], into: repo, progress: nil)
        #expect(incremental.objects > 0)
        #expect(incremental.objects < all.count, "an incremental fetch sends only what is new")
        #expect(incremental.objects == 3) // the commit, its tree, the new blob
        for id in try serverObjects(server) { try runGit(["--git-dir", repo.gitDir, "cat-file", "-e", id.hex]) }
        try runGit(["--git-dir", repo.gitDir, "fsck", "--strict"])
    }

    @Test func pushCreatesARefAndAStaleOldIdIsRejected() throws {
        let server = try HTTPGitServer()
        let first = try server.commit("refs/contracts/C-1", ["contract.json": "{\"n\":1}\n"], message: "one")
        let dir = try HTTPTestDir()
        let local = try Repository.create(at: "\(dir.path)/local", bare: true)
        let remote = try SmartHTTPRemote(url: server.url, environment: env)
        let base = try #require(ObjectID(hex: first))
        _ = try remote.fetchPack(wants: [base], haves: [], into: local, progress: nil)

        // A new contract on top of what was fetched, made with Accord's own objects.
        let db = local.objects
        let blob = try db.write(type: .blob, payload: Array("{\"n\":9}\n".utf8))
        let tree = try db.write(.tree(try Tree(entries: [TreeEntry(mode: .regular, name: "contract.json", id: blob)])))
        let who = Identity(name: "Tester", email: "t@example.com", seconds: 1_700_000_100, offsetMinutes: 0)
        let commit = try db.write(.commit(Commit(tree: tree, parents: [base], author: who, committer: who, message: "nine\n")))
        db.flush()
        try local.refs.update("refs/contracts/C-9", to: commit, expected: .absent, who: who, message: "commit")

        let ad = try remote.receivePackAdvertisement()
        #expect(ad.capabilities.contains("report-status"))
        #expect(ad.refs.map(\.name) == ["refs/contracts/C-1"])
        let theirs = Dictionary(ad.refs.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
        let plan = try PushPlan(local: local, theirs: theirs, theirOrganisation: nil, only: ["refs/contracts/C-9"])
        #expect(plan.commands == [PushReceiver.Command(ref: "refs/contracts/C-9", old: nil, new: commit)])
        let pack = try plan.pack(from: local, common: Array(theirs.values), has: { theirs.values.contains($0) })
        let changes = try remote.push(plan.commands, pack: pack, atomic: false, progress: nil)
        #expect(changes.count == 1)
        #expect(changes.first?.status == .new, "\(changes) \(server.logs)")
        let refs = try runGit(["--git-dir", server.repo, "for-each-ref", "--format=%(objectname) %(refname)"])
        #expect(refs.contains("\(commit.hex) refs/contracts/C-9"))
        try runGit(["--git-dir", server.repo, "fsck", "--strict"])

        // A ref that moved meanwhile: the old id sent is not the ref's value any more.
        let moved = try server.commit("refs/contracts/C-1", ["contract.json": "{\"n\":2}\n"], message: "two")
        let stale = try remote.push([PushReceiver.Command(ref: "refs/contracts/C-1", old: base, new: commit)],
                                    pack: [], atomic: false, progress: nil)
        #expect(stale.count == 1)
        #expect(stale.first?.status == .rejected)
        #expect(stale.first?.lostRace == true, "\(stale)")
        #expect(stale.first?.reason?.contains("but expected \(base.hex)") == true, "\(String(describing: stale.first?.reason))")
        #expect(try runGit(["--git-dir", server.repo, "rev-parse", "refs/contracts/C-1"]).hasPrefix(moved))

        // A ref created meanwhile (the pusher expected it absent): lost the race too.
        let created = try remote.push([PushReceiver.Command(ref: "refs/contracts/C-9", old: nil, new: base)],
                                      pack: [], atomic: true, progress: nil)
        #expect(created.first?.status == .rejected)
        #expect(created.first?.lostRace == true, "\(created)")
        #expect(created.first?.reason?.contains("reference already exists") == true, "\(created)")
    }

    @Test func aPackGitRefusesIsThrown() throws {
        let server = try HTTPGitServer()
        let first = try server.commit("refs/contracts/C-1", ["contract.json": "{\"n\":1}\n"], message: "one")
        let remote = try SmartHTTPRemote(url: server.url, environment: env)
        let id = try #require(ObjectID(hex: first))
        // A pack header that promises an object, then garbage and no valid trailer.
        var bad: [UInt8] = Array("PACK".utf8) + [0, 0, 0, 2, 0, 0, 0, 1]
        bad += [UInt8](repeating: 0xEE, count: 100)
        #expect {
            _ = try remote.push([PushReceiver.Command(ref: "refs/contracts/C-2", old: nil, new: id)], pack: bad, atomic: false, progress: nil)
        } throws: { e in
            guard case let .rejectedPack(why) = e as? TransportError else { return false }
            return why.hasPrefix("the hub could not take the pack: ")
        }
        #expect(try runGit(["--git-dir", server.repo, "for-each-ref", "--format=%(refname)"]) == "refs/contracts/C-1\n")
    }

    @Test func statusErrorsNameTheAddressAndNotTheToken() throws {
        let server = try HTTPGitServer()
        var withToken = env
        withToken["ACCORD_TOKEN"] = "s3cret-token-value"
        let priv = try SmartHTTPRemote(url: "\(server.base)/private/repo.git", environment: withToken)
        do {
            _ = try priv.lsRefs(prefixes: [])
            Issue.record("a 401 must throw")
        } catch let e as TransportError {
            #expect(e.description == "\(server.base)/private/repo.git/info/refs?service=git-upload-pack: authentication failed (HTTP 401): no token here; give a token with ACCORD_TOKEN or 'accord credential store'")
            #expect(!e.description.contains("s3cret"))
        }
        let forbidden = try SmartHTTPRemote(url: "\(server.base)/forbidden/repo.git", environment: withToken)
        #expect(throws: TransportError.badRemote("\(server.base)/forbidden/repo.git/info/refs?service=git-receive-pack: forbidden (HTTP 403): not for you")) {
            _ = try forbidden.receivePackAdvertisement()
        }
        let missing = try SmartHTTPRemote(url: "\(server.base)/nothing-here.git", environment: env)
        #expect {
            _ = try missing.lsRefs(prefixes: [])
        } throws: { e in
            (e as? TransportError)?.description.hasPrefix("\(server.base)/nothing-here.git/info/refs?service=git-upload-pack: HTTP 404") == true
        }
        // Nothing listens: a precise connection error, not a hang.
        let port = try HTTPGitServer.freePort()
        let nowhere = try SmartHTTPRemote(url: "http://127.0.0.1:\(port)/repo.git", environment: env)
        #expect {
            _ = try nowhere.lsRefs(prefixes: [])
        } throws: { e in
            (e as? TransportError)?.description.hasPrefix("http://127.0.0.1:\(port)/repo.git/info/refs?service=git-upload-pack: cannot connect: ") == true
        }
    }

    @Test func changesFeedWithBearerAndWithCredentialsFile() throws {
        let server = try HTTPGitServer(feedAuthorization: "Basic " + SmartHTTPRemote.base64(Array("person@example.com:tok:en".utf8)))
        let dir = try HTTPTestDir()
        let credentials = "\(dir.path)/cfg/credentials"
        let cenv = ["ACCORD_CREDENTIALS_FILE": credentials, "HOME": dir.path]
        try Credentials.store(url: server.base, person: "person@example.com", token: "tok:en", environment: cenv)
        let remote = try SmartHTTPRemote(url: "\(server.base)/feed", environment: cenv)
        let page = try remote.changes(since: 5, wait: 1)
        let id = try #require(ObjectID(hex: HTTPGitServer.feedID))
        #expect(page == ChangesFeedPage(feed: "hub-1", last: 7, changes: [
            .init(seq: 6, ref: "refs/contracts/C-1", id: id, visible: true),
            .init(seq: 7, ref: "refs/contracts/C-2", id: nil, visible: false),
        ]))
        // ACCORD_TOKEN wins over the file: this token is not the one the location wants.
        var bearer = cenv
        bearer["ACCORD_TOKEN"] = "other"
        #expect(throws: TransportError.self) { _ = try SmartHTTPRemote(url: "\(server.base)/feed", environment: bearer).changes(since: nil, wait: nil) }
    }
}}


/// The credentials file and address checks, without a server.
@Suite("HTTPBackendCredentials")
struct HTTPBackendCredentialsTests {
    @Test func storeThenLookUp() throws {
        let dir = try HTTPTestDir()
        let file = "\(dir.path)/a/b/credentials"
        let env = ["ACCORD_CREDENTIALS_FILE": file]
        #expect(Credentials.path(environment: env) == file)
        #expect(Credentials.path(environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"]) == "/x/accord/credentials")
        #expect(Credentials.path(environment: ["HOME": "/h"]) == "/h/.config/accord/credentials")

        try Credentials.store(url: "https://hub.example.com:8443/team/", person: "person@example.com", token: "t0k:en/x", environment: env)
        try Credentials.store(url: "https://hub.example.com:8443", person: "other", token: "wide", environment: env)
        try Credentials.store(url: "https://hub.example.com:8443/team", person: "person@example.com", token: "newer", environment: env)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text == "https://other:wide@hub.example.com:8443\nhttps://person%40example.com:newer@hub.example.com:8443/team\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let dirMode = try FileManager.default.attributesOfItem(atPath: "\(dir.path)/a/b")[.posixPermissions] as? Int
        #expect(dirMode == 0o700)

        func lookup(_ url: String) throws -> String? {
            var why = ""
            let u = try #require(HTTPURL.parse(url, why: &why))
            return try Credentials.lookup(for: u, environment: env).map { "\($0.person):\($0.token)" }
        }
        #expect(try lookup("https://hub.example.com:8443/team/repo.git") == "person@example.com:newer")
        #expect(try lookup("https://HUB.example.com:8443/team2/repo.git") == "other:wide")
        #expect(try lookup("https://hub.example.com/team/repo.git") == nil) // another port
        #expect(try lookup("http://hub.example.com:8443/team/repo.git") == nil) // another scheme

        // Percent-encoding round trip of awkward tokens.
        try Credentials.store(url: "http://127.0.0.1:9/x", person: "a b", token: "p%@:/?#&=+", environment: env)
        #expect(try lookup("http://127.0.0.1:9/x/y") == "a b:p%@:/?#&=+")
    }

    @Test func aFileOthersCanReadIsRefused() throws {
        let dir = try HTTPTestDir()
        let file = "\(dir.path)/credentials"
        try "https://me:tok@hub.example.com\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o644)
        #expect(throws: TransportError.badRemote("\(file) is readable by others (mode 0644): chmod 600 it")) {
            _ = try SmartHTTPRemote(url: "https://hub.example.com/repo.git", environment: ["ACCORD_CREDENTIALS_FILE": file])
        }
        chmod(file, 0o600)
        _ = try SmartHTTPRemote(url: "https://hub.example.com/repo.git", environment: ["ACCORD_CREDENTIALS_FILE": file])
        // ACCORD_TOKEN needs no file: a missing one is no error.
        _ = try SmartHTTPRemote(url: "https://hub.example.com/repo.git", environment: ["ACCORD_CREDENTIALS_FILE": "\(dir.path)/none"])
    }

    @Test func aURLWithCredentialsIsRefused() throws {
        do {
            _ = try SmartHTTPRemote(url: "https://me:secret-token@hub.example.com/repo.git", environment: [:])
            Issue.record("a password in the URL must be refused")
        } catch let e as TransportError {
            guard case let .badRemote(why) = e else { Issue.record("\(e)"); return }
            #expect(!why.contains("secret-token"))
            #expect(why.contains("ACCORD_TOKEN"))
            #expect(why.contains("https://hub.example.com/repo.git"))
        }
        #expect(throws: TransportError.self) { _ = try SmartHTTPRemote(url: "ftp://hub.example.com/repo.git", environment: [:]) }
        #expect(throws: TransportError.self) { _ = try SmartHTTPRemote(url: "https://hub.example.com:99999/repo.git", environment: [:]) }
        #expect(SmartHTTPRemote.isHTTP("HTTPS://hub/x") && SmartHTTPRemote.isHTTP("http://hub") && !SmartHTTPRemote.isHTTP("/srv/repo"))
        let r = try SmartHTTPRemote(url: "https://hub.example.com:8443/team/repo.git//", environment: [:])
        #expect(r.url == "https://hub.example.com:8443/team/repo.git")
    }

    @Test func emptyPackIsValid() throws {
        let p = SmartHTTPRemote.emptyPack
        #expect(p.count == 12 + 32)
        let trailer = p[..<12].withUnsafeBytes { ObjectHasher.digest($0) }
        #expect(Array(p[12...]) == trailer.bytes)
    }
}
