import AccordObjects
import AccordProtocol
import AccordStore
import NIOCore
import NIOHTTP1
import NIOSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A remote reached over http:// or https:// with git's smart protocol (v2 for fetch, v0
/// receive-pack for push), against a hub or stock `git http-backend`.
///
/// Every call is one or two stateless HTTP requests. The token (ACCORD_TOKEN, or the
/// credentials file) goes in the Authorization header of each request and in no message.
public final class SmartHTTPRemote: @unchecked Sendable {
    /// The repository's address, without a trailing slash.
    public let url: String
    private let parsed: HTTPURL
    private let exchange: HTTPExchange

    /// The largest ref listing or advertisement taken (a hub with millions of contracts is well under).
    static let maxAdvertisementBytes = 256 << 20
    /// The largest pack taken in one fetch.
    static let maxPackBytes = 4 << 30
    static let maxChangesBytes = 64 << 20
    /// report-status: a line per ref.
    static let maxReportBytes = 64 << 20

    /// `url`: "http(s)://host[:port]/path", with no credentials in it. `environment`: the
    /// process's (ACCORD_TOKEN, ACCORD_CREDENTIALS_FILE, XDG_CONFIG_HOME, HOME, ACCORD_SSL_CAINFO,
    /// GIT_SSL_CAINFO). `caFile`: extra trusted CA certificates (config http.sslCAInfo); the
    /// environment's, as with git, wins over it.
    public init(url: String, environment: [String: String], caFile: String? = nil) throws {
        var why = ""
        guard let u = HTTPURL.parse(url, why: &why) else {
            throw TransportError.badRemote("'\(url)' is not a usable http(s) remote address: \(why)")
        }
        guard u.user == nil && u.password == nil else {
            throw TransportError.badRemote("the remote address \(u.base) has a name or token in it: tokens are kept in the credentials file ('accord credential store') or ACCORD_TOKEN, never in a URL or config")
        }
        parsed = u
        self.url = u.base
        var authorization: String?
        if let token = environment["ACCORD_TOKEN"], !token.isEmpty {
            authorization = "Bearer \(token)"
        } else if let c = try Credentials.lookup(for: u, environment: environment) {
            authorization = "Basic \(Self.base64(Array("\(c.person):\(c.token)".utf8)))"
        }
        var tls: TLSConfiguration?
        if u.scheme == "https" {
            var t = TLSConfiguration.makeClientConfiguration()
            let envCA = [environment["ACCORD_SSL_CAINFO"], environment["GIT_SSL_CAINFO"]].compactMap { $0 }.first { !$0.isEmpty }
            if let ca = envCA ?? caFile {
                guard FileIO.exists(ca) else {
                    throw TransportError.badRemote("the CA certificates file \(ca) (\(envCA != nil ? "ACCORD_SSL_CAINFO or GIT_SSL_CAINFO" : "http.sslCAInfo")) does not exist")
                }
                t.additionalTrustRoots = [.file(ca)]
            }
            tls = t
        }
        exchange = HTTPExchange(tls: tls, authorization: authorization)
    }

    /// True if `url` starts with http:// or https://.
    public static func isHTTP(_ url: String) -> Bool { HTTPURL.hasHTTPScheme(url) }

    // MARK: fetch (protocol v2)

    /// The remote's refs under `prefixes` (all when empty): the v2 capability advertisement is
    /// checked first (version 2, sha256), then `ls-refs` is asked.
    public func lsRefs(prefixes: [String]) throws -> [UploadPackV2.Ref] {
        let adURL = "\(url)/info/refs?service=git-upload-pack"
        let ad = try exchange.fetch(method: .GET, url: adURL, headers: [("Git-Protocol", "version=2"), ("Accept", "*/*")],
                                    body: nil, limit: Self.maxAdvertisementBytes, what: "capability advertisement")
        try protocolStep(adURL) { () throws(ProtocolError) in try UploadPackV2.checkAdvertisement(ad) }
        let postURL = "\(url)/git-upload-pack"
        let body = UploadPackV2.request(command: "ls-refs", arguments: UploadPackV2.LsRefsRequest(prefixes: prefixes).arguments)
        let answer = try exchange.fetch(method: .POST, url: postURL, headers: uploadPackHeaders, body: body,
                                        limit: Self.maxAdvertisementBytes, what: "ref listing")
        return try protocolStep(postURL) { () throws(ProtocolError) in try UploadPackV2.parseLsRefs(answer) }
    }

    /// Fetches the objects of `wants` the repository lacks (`haves`: commits it has), in one
    /// round with `done`. The pack is streamed to `objects/pack/tmp_pack_*` of `repo` as it
    /// arrives, then indexed, checked and installed by PackTransfer (nothing is installed if
    /// anything fails). No wants: nothing is asked.
    public func fetchPack(wants: [ObjectID], haves: [ObjectID], into repo: Repository, progress: TransferProgress?) throws -> PackTransfer.Received {
        guard !wants.isEmpty else { return PackTransfer.Received(packID: nil, objects: 0) }
        var request = UploadPackV2.FetchRequest(wants: wants, haves: haves, done: true)
        request.ofsDelta = true
        request.noProgress = progress == nil
        let body = UploadPackV2.request(command: "fetch", arguments: request.arguments)
        let postURL = "\(url)/git-upload-pack"

        let packDir = "\(repo.objects.directory)/pack"
        if !FileIO.isDirectory(packDir) { try FileIO.makeDirectories(packDir) }
        let tmpPack = PackTransfer.tempName(packDir, "tmp_pack_")
        let fd = open(tmpPack, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
        guard fd >= 0 else { throw StoreError.io(op: "create", path: tmpPack, errno: errno) }
        var open = true
        var handedOver = false
        defer {
            if open { close(fd) }
            if !handedOver { FileIO.remove(tmpPack) }
        }

        var head: HTTPExchange.Head?
        var errorBody: [UInt8] = []
        var reader = UploadPackV2.FetchResponseReader()
        var received = 0, packBytes = 0, total = 0
        let maxPack = Self.maxPackBytes
        try exchange.perform(method: .POST, url: postURL, headers: uploadPackHeaders, body: body, head: { h in
            head = h
            total = h.headers.first(name: "Content-Length").flatMap { Int($0) } ?? 0
        }, chunk: { piece in
            guard let h = head, (200..<300).contains(h.status) else {
                if errorBody.count < 4096 { errorBody += piece.readableBytesView.prefix(4096 - errorBody.count) }
                return
            }
            received += piece.readableBytes
            do {
                try reader.feed(piece.readableBytesView, pack: { bytes in
                    packBytes += bytes.count
                    guard packBytes <= maxPack else {
                        throw TransportError.badRemote("\(postURL): the pack is larger than \(HTTPExchange.size(maxPack)); refusing it")
                    }
                    try Self.appendToPack(fd, bytes, path: tmpPack)
                }, progress: { _ in }) // the server's own progress text: ours is counted in bytes
            } catch let e as ProtocolError {
                throw TransportError.badRemote("\(postURL): \(e.description)")
            }
            progress?("Receiving objects", received, total)
        })
        guard let h = head else { throw TransportError.badRemote("\(postURL): no answer") }
        try HTTPExchange.check(h, body: errorBody, url: postURL)
        guard reader.finished else {
            throw TransportError.badRemote("\(postURL): the answer ends before its pack is complete (\(packBytes) bytes of pack received)")
        }
        guard packBytes > 0 else { throw TransportError.badRemote("\(postURL): the answer has an empty pack") }
        guard fsync(fd) == 0 else { throw StoreError.io(op: "fsync", path: tmpPack, errno: errno) }
        close(fd); open = false
        // PackTransfer removes the temp pack itself if it refuses it.
        handedOver = true
        return try PackTransfer.receive(tmpPack: tmpPack, into: repo, tips: wants, allowThin: false, install: true, progress: progress)
    }

    private var uploadPackHeaders: [(String, String)] {
        [("Content-Type", "application/x-git-upload-pack-request"), ("Accept", "application/x-git-upload-pack-result"),
         ("Git-Protocol", "version=2")]
    }

    // MARK: push (receive-pack, protocol v0)

    /// The remote's refs and receive-pack capabilities.
    public func receivePackAdvertisement() throws -> (refs: [(name: String, id: ObjectID)], capabilities: [String]) {
        let adURL = "\(url)/info/refs?service=git-receive-pack"
        let ad = try exchange.fetch(method: .GET, url: adURL, headers: [("Accept", "*/*")], body: nil,
                                    limit: Self.maxAdvertisementBytes, what: "ref advertisement")
        return try protocolStep(adURL) { () throws(ProtocolError) in try ReceivePack.parseAdvertisement(ad) }
    }

    /// Sends the updates and the pack; one RefChange per command, in order. A ref the remote
    /// refused is a `.rejected` change (lostRace when it moved meanwhile, invalidContract when
    /// its content was refused); a pack it could not take is thrown.
    public func push(_ commands: [PushReceiver.Command], pack: [UInt8], atomic: Bool, progress: TransferProgress?) throws -> [RefChange] {
        guard !commands.isEmpty else { return [] }
        var caps = ["report-status", "side-band-64k", "ofs-delta", "object-format=sha256", "agent=\(UploadPackV2.agent)"]
        if atomic { caps.append("atomic") }
        let wire = commands.map { ReceivePack.Command(old: $0.old ?? .zero, new: $0.new ?? .zero, ref: $0.ref) }
        // git's receive-pack reads a pack whenever a command is not a deletion, so "nothing
        // new to send" still goes as an empty pack.
        let packBytes = pack.isEmpty && commands.contains(where: { $0.new != nil }) ? Self.emptyPack : pack
        let body = ReceivePack.request(wire, capabilities: caps, pack: packBytes)
        let postURL = "\(url)/git-receive-pack"
        progress?("Writing objects", 0, packBytes.count)
        let answer = try exchange.fetch(method: .POST, url: postURL,
                                        headers: [("Content-Type", "application/x-git-receive-pack-request"),
                                                  ("Accept", "application/x-git-receive-pack-result")],
                                        body: body, limit: Self.maxReportBytes, what: "push report")
        progress?("Writing objects", packBytes.count, packBytes.count)
        var messages: [String] = []
        let report = try protocolStep(postURL) { () throws(ProtocolError) in
            try ReceivePack.parseReportStatus(answer, sideBand: true, progress: { messages.append($0) })
        }
        if let unpack = report.unpack {
            throw TransportError.rejectedPack("the hub could not take the pack: \(unpack)")
        }
        let byRef = Dictionary(report.statuses.map { ($0.ref, $0.reason) }, uniquingKeysWith: { a, _ in a })
        let said = messages.joined()
        return commands.map { c in
            var change = RefChange(remoteRef: c.ref, ref: c.ref, old: c.old, new: c.new, status: c.old == nil ? .new : .fastForward)
            guard let outcome = byRef[c.ref] else {
                change.status = .rejected; change.reason = "the remote did not report on this ref"
                return change
            }
            guard let reason = outcome else { return change }
            change.status = .rejected
            change.reason = reason
            let lower = reason.lowercased()
            if lower.contains("stale info") || lower.contains("non-fast-forward") || lower.contains("fetch first") {
                change.lostRace = true
            } else if lower.hasPrefix("refused:") || lower.hasPrefix("forbidden:") {
                change.invalidContract = true
            } else if Self.isLockRace(reason) {
                // git's atomic push puts the detail in the reason itself.
                change.lostRace = true
            } else if let detail = Self.lockFailure(ref: c.ref, in: said) {
                // Stock git says only "failed to update ref" (or "failed to lock"); why is in its
                // error message on band 2: the ref is not at the old value sent, it moved meanwhile.
                change.lostRace = true
                change.reason = "\(reason): \(detail)"
            }
            return change
        }
    }

    /// git receive-pack's message when a ref's compare-and-swap failed because it moved (or was
    /// created) meanwhile: "cannot lock ref 'R': is at X but expected Y" / "reference already exists".
    static func lockFailure(ref: String, in messages: String) -> String? {
        for line in messages.split(whereSeparator: \.isNewline) where line.contains("'\(ref)'") {
            if isLockRace(String(line)) {
                var l = Substring(line)
                if l.hasPrefix("error: ") { l = l.dropFirst(7) }
                return String(l)
            }
        }
        return nil
    }

    static func isLockRace(_ s: String) -> Bool {
        s.contains("cannot lock ref") && (s.contains("but expected") || s.contains("reference already exists"))
    }

    /// A pack of no objects: "PACK", version 2, count 0, and its SHA-256 trailer.
    static let emptyPack: [UInt8] = {
        let head: [UInt8] = Array("PACK".utf8) + [0, 0, 0, 2, 0, 0, 0, 0]
        return head + head.withUnsafeBytes { ObjectHasher.digest($0) }.bytes
    }()

    // MARK: the hub's changes feed

    /// `GET accord/changes?since=N` (`since=latest` when nil), waiting up to `wait` seconds for
    /// a change when given.
    public func changes(since: Int?, wait: Int?) throws -> ChangesFeedPage {
        var query = "since=\(since.map(String.init) ?? "latest")"
        if let wait { query += "&wait=\(max(0, wait))" }
        let getURL = "\(url)/accord/changes?\(query)"
        // The hub holds the request open for up to `wait` seconds before answering.
        let readTimeout = TimeAmount.seconds(Int64(max(60, (wait ?? 0) + 30)))
        let body = try exchange.fetch(method: .GET, url: getURL, headers: [("Accept", "application/json")], body: nil,
                                      limit: Self.maxChangesBytes, what: "changes feed", readTimeout: readTimeout)
        return try ChangesFeedPage.decode(body, url: getURL)
    }

    // MARK: helpers

    private func protocolStep<T>(_ where_: String, _ body: () throws(ProtocolError) -> T) throws -> T {
        do throws(ProtocolError) { return try body() } catch {
            throw TransportError.badRemote("\(where_): \(error.description)")
        }
    }

    /// Appends to the temp pack (a plain function: a typed-throws closure here crashes swift 6.3.1's IRGen).
    static func appendToPack(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + done }, bytes.count - done) }
            if n < 0 { if errno == EINTR { continue }; throw StoreError.io(op: "write", path: path, errno: errno) }
            done += n
        }
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let b0 = UInt32(bytes[i]), b1 = n > 1 ? UInt32(bytes[i + 1]) : 0, b2 = n > 2 ? UInt32(bytes[i + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            out.append(table[Int(v >> 18 & 63)]); out.append(table[Int(v >> 12 & 63)])
            out.append(n > 1 ? table[Int(v >> 6 & 63)] : 0x3D)
            out.append(n > 2 ? table[Int(v & 63)] : 0x3D)
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
