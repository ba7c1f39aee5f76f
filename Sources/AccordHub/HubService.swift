import AccordContracts
import AccordObjects
import AccordProtocol
import AccordStore
import AccordSync
import AccordTrust
import Foundation

/// Who is calling: a person of the organisation, proven by a token.
public struct Caller: Sendable {
    public var person: Organisation.Person
    public var tokenID: String

    /// Head-office roles and administrators see and write every office's contracts.
    public var seesAll: Bool {
        person.roles.contains(Organisation.administrator) || person.roles.contains { Role(rawValue: $0).map(Role.headOffice.contains) ?? false }
    }

    public func may(office: String) -> Bool { seesAll || person.offices.contains(office) }

    public var identity: Identity {
        Identity(name: person.name, email: person.email, seconds: Int64(Date().timeIntervalSince1970), offsetMinutes: 0)
    }
}

/// The hub's protocol logic, apart from HTTP (so it is tested without a socket): authentication
/// against the token store and the organisation, each caller's view of the refs, upload-pack
/// (protocol v2 ls-refs and fetch), receive-pack behind a quarantine, and the changes feed.
public final class HubService: @unchecked Sendable {
    public let storage: any HubStorage
    public var tokens: TokenStore { storage.tokens }
    public var feed: ChangesFeed { storage.feed }
    public let limits: Limits

    public struct Limits: Sendable {
        /// Largest request body: a push's pack, or a fetch request.
        public var maxPushBytes = 1 << 30
        public var maxRequestBytes = 64 << 20
        /// Longest wait a long-poll of the feed may ask for, in seconds.
        public var maxWait = 120.0
        public init() {}
    }

    /// An error the hub answers with: its HTTP status and a message for the caller.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var status: Int
        public var message: String
        /// Said as git's `ERR` packet in a 200 answer, which git shows as "remote error: …"
        /// (a bare HTTP error shows only the status).
        public var asPacket = false
        public var description: String { message }
        public init(_ status: Int, _ message: String, asPacket: Bool = false) { self.status = status; self.message = message; self.asPacket = asPacket }
    }

    public convenience init(repository: Repository, limits: Limits = Limits()) throws {
        try self.init(storage: RepositoryHubStorage(repository: repository), limits: limits)
    }

    public init(storage: any HubStorage, limits: Limits = Limits()) throws {
        self.storage = storage
        self.limits = limits
        _ = try storage.organisation() // a hub knows its callers from it
        stampLock.withLock { stamp = storage.refsStamp() }
        try reconcile()
    }

    /// The refs as the feed last caught up with them (`HubStorage.refsStamp`).
    private var stamp: String?
    private let stampLock = NSLock()

    /// Ref moves made on the hub's repository by another process (an `accord` or `git` run
    /// there while it serves) reach the feed at the next feed request, or within a second for
    /// one waiting: when the stamp of the refs changed, the feed is reconciled with them. The
    /// stamp is taken before the refs are read, so a move during the reconciliation is caught
    /// by the next one.
    func catchUp() {
        guard let now = storage.refsStamp() else { return }
        let moved = stampLock.withLock { () -> Bool in
            if stamp == now { return false }
            stamp = now
            return true
        }
        guard moved else { return }
        do { try reconcile() } catch { stampLock.withLock { stamp = nil } } // try again next time
    }

    /// Brings the feed level with the refs (after a kill between a ref update and its feed line,
    /// or on a hub's first start): each differing ref gets a line, with its office.
    func reconcile() throws {
        var refs: [String: ObjectID] = [:]
        for r in try storage.refs(prefix: "refs/contracts/") { refs[r.name] = r.id }
        for r in try storage.refs(prefix: "refs/tags/") where PushReceiver.taggedContract(r.name) != nil { refs[r.name] = r.id }
        if let org = try storage.resolve(OrganisationStore.ref) { refs[OrganisationStore.ref] = org }
        let drift = feed.drift(refs: refs)
        guard !drift.isEmpty else { return }
        let contracts = drift.compactMap { d in PushReceiver.contractNumber(of: d.ref) == nil ? nil : d.id }
        let offices = Dictionary(zip(contracts, storage.offices(of: contracts)), uniquingKeysWith: { a, _ in a })
        var lines: [(ref: String, id: ObjectID?, office: String, previousOffice: String)] = []
        for d in drift where PushReceiver.taggedContract(d.ref) == nil {
            let previous = feed.office(of: d.ref) ?? ""
            let office = d.id.flatMap { id in d.ref == OrganisationStore.ref ? nil : offices[id] ?? nil } ?? previous
            lines.append((d.ref, d.id, office, previous))
        }
        // A tag is seen by whoever sees its contract (as its contract is after this catch-up).
        for d in drift {
            guard let number = PushReceiver.taggedContract(d.ref) else { continue }
            let contract = "refs/contracts/\(number)"
            let office = lines.last(where: { $0.ref == contract })?.office ?? feed.office(of: contract) ?? ""
            lines.append((d.ref, d.id, office, feed.office(of: d.ref) ?? office))
        }
        try feed.append(lines)
    }

    // MARK: authentication

    /// The caller an `Authorization` header proves: HTTP Basic `person:token` (what git's
    /// credential helpers send) or `Bearer token`. The token must be active and its person an
    /// active person of the hub's current organisation.
    public func authenticate(_ header: String?) throws -> Caller {
        guard let header, !header.isEmpty else { throw Failure(401, "authentication required: send a token (HTTP Basic person:token, or Bearer)") }
        var secret: String
        var claimed: String?
        if header.lowercased().hasPrefix("bearer ") {
            secret = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        } else if header.lowercased().hasPrefix("basic ") {
            guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
                  let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else {
                throw Failure(401, "the Basic credentials are not base64 of person:token")
            }
            claimed = String(text[..<colon]).lowercased()
            secret = String(text[text.index(after: colon)...])
        } else {
            throw Failure(401, "unsupported authorization scheme (use Basic or Bearer)")
        }
        let found: TokenStore.Token?
        do { found = try tokens.lookup(secret: secret) } catch {
            throw Failure(500, "the hub cannot read its tokens (\(tokens.path)): \(error)")
        }
        guard secret.utf8.count <= 200, let token = found else {
            throw Failure(401, "the token is not valid (unknown or revoked)")
        }
        if let claimed, claimed != token.person {
            throw Failure(401, "the token is not valid for \(claimed)")
        }
        secret = ""
        let org: Organisation
        do { org = try storage.organisation() } catch {
            throw Failure(500, "the hub cannot read its organisation: \(error)")
        }
        guard let person = org.person(email: token.person), person.active else {
            throw Failure(403, "\(token.person) is not an active person of the organisation")
        }
        return Caller(person: person, tokenID: token.id)
    }

    // MARK: views

    /// Whether the caller may see `ref` (its current office, from the feed's record).
    func visible(_ ref: String, to caller: Caller) -> Bool {
        if ref == OrganisationStore.ref { return true }
        if let number = PushReceiver.contractNumber(of: ref) { return caller.may(office: feed.office(of: "refs/contracts/\(number)") ?? "") }
        if ref.hasPrefix("refs/tags/") {
            let first = ref.dropFirst("refs/tags/".count).split(separator: "/").first.map(String.init) ?? ""
            if Invariants.validNumber(first), let office = feed.office(of: "refs/contracts/\(first)") { return caller.may(office: office) }
            return caller.seesAll
        }
        return false
    }

    /// The refs the caller sees: the organisation, their offices' contracts and those contracts' tags.
    public func refs(for caller: Caller) throws -> [(name: String, id: ObjectID)] {
        var out: [(String, ObjectID)] = []
        if let org = try storage.resolve(OrganisationStore.ref) { out.append((OrganisationStore.ref, org)) }
        for r in try storage.refs(prefix: "refs/contracts/") where visible(r.name, to: caller) { out.append(r) }
        for r in try storage.refs(prefix: "refs/tags/") where visible(r.name, to: caller) { out.append(r) }
        return out
    }

    // MARK: upload-pack

    public struct PackAnswer: Sendable {
        /// What precedes the pack (pkt-lines), then the pack's file (sent on band 1 and removed),
        /// or a complete answer with no pack.
        public var head: [UInt8]
        public var packPath: String?

        /// Removes the pack and the directory it was written in.
        public func cleanup() {
            guard let packPath else { return }
            FileIO.remove(packPath)
            rmdir(FileIO.dirname(of: packPath))
        }
    }

    public func uploadPack(_ body: [UInt8], caller: Caller) throws -> PackAnswer {
        let request: UploadPackV2.CommandRequest?
        do { request = try UploadPackV2.CommandRequest.parse(body) } catch { throw Failure(400, error.description) }
        guard let request else { return PackAnswer(head: [], packPath: nil) }
        switch request.command {
        case "ls-refs":
            let args: UploadPackV2.LsRefsRequest
            do { args = try UploadPackV2.LsRefsRequest(arguments: request.arguments) } catch { throw Failure(400, error.description) }
            var refs: [UploadPackV2.Ref] = []
            for r in try self.refs(for: caller) where args.wants(r.name) {
                var ref = UploadPackV2.Ref(name: r.name, id: r.id)
                if args.peel, r.name.hasPrefix("refs/tags/"), let t = storage.peel(r.id) { ref.peeled = t }
                refs.append(ref)
            }
            return PackAnswer(head: UploadPackV2.lsRefsResponse(refs), packPath: nil)
        case "fetch":
            let args: UploadPackV2.FetchRequest
            do { args = try UploadPackV2.FetchRequest(arguments: request.arguments) } catch { throw Failure(400, error.description) }
            // A want must be the tip of a ref the caller sees (git's default,
            // uploadpack.allowTipSHA1InWant off): another office's contract is refused, by id too.
            var tips = Set<ObjectID>()
            for r in try refs(for: caller) {
                tips.insert(r.id)
                if r.name.hasPrefix("refs/tags/"), let t = storage.peel(r.id) { tips.insert(t) }
            }
            // Or a tip such a ref had: the hub moves contracts only forward, so it is in the
            // ref's history (a client that listed the refs just before a push still gets its pack).
            for w in args.wants where !tips.contains(w) {
                guard let ref = feed.ref(of: w), visible(ref, to: caller) else {
                    throw Failure(403, "upload-pack: not our ref \(w.hex): it is not the tip of a ref you may see", asPacket: true)
                }
            }
            // No ACK lines: which of the caller's haves exist here is not the caller's business.
            let head = UploadPackV2.fetchResponseHead(request: args, common: [])
            let packPath = try storage.writePack(wants: args.wants, haves: args.haves)
            return PackAnswer(head: head, packPath: packPath)
        default:
            throw Failure(400, "unknown command '\(request.command)' (this hub offers ls-refs and fetch)")
        }
    }

    // MARK: receive-pack

    public func receiveAdvertisement(caller: Caller) throws -> [UInt8] {
        ReceivePack.advertisement(try refs(for: caller))
    }

    /// A push: checked behind a quarantine with every rule of a receive, plus this caller's right
    /// to write each contract (its office before and after); accepted refs go into the feed.
    public func receivePack(_ body: [UInt8], caller: Caller, beforeRefUpdate: ((String) -> Void)? = nil) throws -> (answer: [UInt8], changes: [RefChange]) {
        let request: ReceivePack.Request
        do { request = try ReceivePack.parseRequest(body) } catch { throw Failure(400, error.description) }
        guard !request.commands.isEmpty else { return ([], []) } // git's probe before a large push
        let commands = request.commands.map { PushReceiver.Command(ref: $0.ref, old: $0.old.isZero ? nil : $0.old, new: $0.new.isZero ? nil : $0.new) }
        let offices = OfficeBox()
        let result = try request.pack.withUnsafeBytes { pack in
            try storage.receive(commands, pack: pack, who: caller.identity, atomic: request.atomic, source: "a push by \(caller.person.email)",
                                authorize: { [feed] command, after in
                func belongsElsewhere(_ number: String) -> String? {
                    guard let before = feed.office(of: "refs/contracts/\(number)"), !caller.may(office: before) else { return nil }
                    return "forbidden: contract \(number) belongs to office \(before); \(caller.person.email) acts for \(caller.person.offices.joined(separator: ", "))"
                }
                // A contract's tag: written by whoever may write the contract (a tag of a contract
                // that is not here is refused by the receive's checks).
                if let number = PushReceiver.taggedContract(command.ref) { return belongsElsewhere(number) }
                if command.ref.hasPrefix("refs/tags/"), !caller.seesAll {
                    return "forbidden: only head office creates tags that name no contract (refs/tags/<number>/…)"
                }
                guard let number = PushReceiver.contractNumber(of: command.ref) else { return nil }
                if let why = belongsElsewhere(number) { return why }
                guard let after else { return nil } // not a readable contract: the checks after this say why
                if !caller.may(office: after) {
                    return "forbidden: the pushed contract \(number) is for office \(after); \(caller.person.email) acts for \(caller.person.offices.joined(separator: ", "))"
                }
                offices.set(command.ref, after)
                return nil
            }, beforeRefUpdate: beforeRefUpdate)
        }
        // Killed here, the refs moved and the feed does not say so yet: the next start reconciles it.
        FaultPoint.hit("hub-before-feed")
        var accepted: [(ref: String, id: ObjectID?, office: String, previousOffice: String)] = []
        for c in result.changes where c.status == .new || c.status == .fastForward {
            if let number = PushReceiver.taggedContract(c.ref) { // a tag is seen by whoever sees its contract
                let office = offices.get("refs/contracts/\(number)") ?? feed.office(of: "refs/contracts/\(number)") ?? ""
                accepted.append((c.ref, c.new, office, office)); continue
            }
            let previous = feed.office(of: c.ref) ?? ""
            accepted.append((c.ref, c.new, offices.get(c.ref) ?? previous, previous))
        }
        try feed.append(accepted)
        let statuses = result.changes.map { c -> ReceivePack.Status in
            guard c.status == .rejected else { return .init(ref: c.ref, reason: nil) }
            var why = c.reason ?? "rejected"
            if c.invalidContract, !why.hasPrefix("forbidden:") { why = "refused: " + why }
            return .init(ref: c.ref, reason: why)
        }
        let answer = ReceivePack.reportStatus(unpack: result.unpackError?.description, statuses, sideBand: request.sideBand)
        return (answer, result.changes)
    }

    // MARK: the feed

    /// `GET accord/changes?since=N[&wait=S]`: the changes after N the caller may see (a contract
    /// that left the caller's offices is listed as not visible, so the replica drops it).
    public func changes(since: Int?, wait: Double, caller: Caller) -> [UInt8] {
        let last = feed.lastSeq
        var items: [String] = []
        var newest = last
        if let since {
            let entries = feed.changes(since: since, wait: min(wait, limits.maxWait), poll: catchUp)
            newest = max(last, entries.last?.seq ?? 0)
            for e in entries {
                let now = e.ref == OrganisationStore.ref || caller.may(office: e.office)
                guard now || caller.may(office: e.previousOffice) else { continue }
                // A contract that left the caller's offices is named, its new head is not.
                let id = now ? e.id.map { "\"\($0.hex)\"" } ?? "null" : "null"
                items.append("{\"seq\":\(e.seq),\"ref\":\(Self.json(e.ref)),\"id\":\(id),\"visible\":\(now && e.id != nil)}")
            }
        }
        let text = "{\"feed\":\(Self.json(feed.feedID)),\"last\":\(newest),\"changes\":[\(items.joined(separator: ","))]}\n"
        return Array(text.utf8)
    }

    static func json(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

/// Offices of the contracts a push brings, noted while they are authorized.
final class OfficeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var map: [String: String] = [:]
    func set(_ ref: String, _ office: String) { lock.withLock { map[ref] = office } }
    func get(_ ref: String) -> String? { lock.withLock { map[ref] } }
}
