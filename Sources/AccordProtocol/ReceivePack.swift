import AccordObjects

/// Pushing (gitprotocol-pack(5), "Pushing Data To a Server"): the ref advertisement, the update
/// commands and the pack, and report-status (inside side-band-64k when asked).
public enum ReceivePack {
    /// What this server offers. No `delete-refs`: contracts are never deleted by a push, so git
    /// refuses a delete before it sends anything.
    public static let capabilities = ["report-status", "side-band-64k", "atomic", "ofs-delta", "quiet",
                                      "object-format=sha256", "agent=\(UploadPackV2.agent)"]

    /// The answer to `GET info/refs?service=git-receive-pack`: the service line, a flush, the
    /// refs (capabilities after a NUL on the first), a flush.
    public static func advertisement(_ refs: [(name: String, id: ObjectID)]) -> [UInt8] {
        var out: [UInt8] = []
        PktLine.append(line: "# service=git-receive-pack", to: &out)
        PktLine.flush(&out)
        let caps = capabilities.joined(separator: " ")
        if refs.isEmpty {
            PktLine.append(Array("\(ObjectID.zero.hex) capabilities^{}".utf8) + [0] + Array(caps.utf8) + [0x0A], to: &out)
        }
        for (i, r) in refs.enumerated() {
            var line = Array("\(r.id.hex) \(r.name)".utf8)
            if i == 0 { line += [0] + Array(caps.utf8) }
            PktLine.append(line + [0x0A], to: &out)
        }
        PktLine.flush(&out)
        return out
    }

    public struct Command: Equatable, Sendable {
        public var old: ObjectID
        public var new: ObjectID
        public var ref: String
        public init(old: ObjectID, new: ObjectID, ref: String) { self.old = old; self.new = new; self.ref = ref }
    }

    public struct Request: Sendable {
        public var commands: [Command]
        public var capabilities: [String]
        /// The pack's bytes (empty when only deletes were sent, or nothing is new).
        public var pack: ArraySlice<UInt8>
        public var sideBand: Bool { capabilities.contains("side-band-64k") }
        public var atomic: Bool { capabilities.contains("atomic") }
    }

    public static let maxCommands = 100_000

    /// Reads a push request: commands up to the flush, then the pack. An empty body or a lone
    /// flush (git's probe before a large push) has no commands.
    public static func parseRequest(_ body: [UInt8]) throws(ProtocolError) -> Request {
        var r = PktReader(body, maxPackets: maxCommands + 2)
        var req = Request(commands: [], capabilities: [], pack: [])
        while let p = try r.next() {
            if p == .flush { break }
            guard case var .data(d) = p else { throw .malformed("unexpected special packet among the push commands") }
            if req.commands.isEmpty, let nul = d.firstIndex(of: 0) {
                req.capabilities = String(decoding: d[(nul + 1)...].filter { $0 != 0x0A }, as: UTF8.self).split(separator: " ").map(String.init)
                d = Array(d[..<nul])
            }
            if d.last == 0x0A { d.removeLast() }
            let t = String(decoding: d, as: UTF8.self)
            if t.hasPrefix("shallow ") { throw .unsupported("shallow pushes") }
            if t.hasPrefix("push-cert") { throw .unsupported("push certificates") }
            let parts = t.split(separator: " ", maxSplits: 2)
            guard parts.count == 3, let old = ObjectID(hex: parts[0]), let new = ObjectID(hex: parts[1]) else {
                throw .malformed("push command '\(UploadPackV2.CommandRequest.short(t))' is not 'old-id new-id ref' with sha256 ids")
            }
            req.commands.append(Command(old: old, new: new, ref: String(parts[2])))
        }
        if req.capabilities.contains(where: { $0.hasPrefix("object-format=") && $0 != "object-format=sha256" }) {
            throw .unsupported("this repository uses object-format=sha256")
        }
        req.pack = r.rest
        return req
    }

    /// One ref's outcome: nil reason for `ok`.
    public struct Status: Equatable, Sendable {
        public var ref: String
        public var reason: String?
        public init(ref: String, reason: String?) { self.ref = ref; self.reason = reason }
    }

    /// report-status: `unpack ok` (or the error), one `ok`/`ng` per ref, a flush; wrapped in band 1
    /// when the client asked for side-band-64k.
    public static func reportStatus(unpack: String?, _ statuses: [Status], sideBand: Bool) -> [UInt8] {
        var inner: [UInt8] = []
        PktLine.append(line: unpack.map { "unpack \(oneLine($0))" } ?? "unpack ok", to: &inner)
        for s in statuses {
            PktLine.append(line: s.reason.map { "ng \(s.ref) \(oneLine($0))" } ?? "ok \(s.ref)", to: &inner)
        }
        PktLine.flush(&inner)
        guard sideBand else { return inner }
        var out: [UInt8] = []
        SideBand.append(inner, band: SideBand.data, to: &out)
        PktLine.flush(&out)
        return out
    }

    /// Reasons travel on one pkt-line.
    static func oneLine(_ s: String) -> String {
        String(s.map { $0 == "\n" || $0 == "\r" ? " " : $0 }.prefix(1000))
    }

    // MARK: client

    /// The refs and capabilities of a receive-pack advertisement.
    public static func parseAdvertisement(_ body: [UInt8]) throws(ProtocolError) -> (refs: [(name: String, id: ObjectID)], capabilities: [String]) {
        var r = PktReader(body, maxPackets: 5_000_000)
        var refs: [(String, ObjectID)] = []
        var caps: [String] = []
        var first = true
        while let p = try r.next() {
            guard case var .data(d) = p else {
                if refs.isEmpty && caps.isEmpty { continue } // the flush after the service line
                break
            }
            if d.last == 0x0A { d.removeLast() }
            if String(decoding: d, as: UTF8.self).hasPrefix("# service=") { continue }
            if first, let nul = d.firstIndex(of: 0) {
                caps = String(decoding: d[(nul + 1)...], as: UTF8.self).split(separator: " ").map(String.init)
                d = Array(d[..<nul])
            }
            first = false
            let t = String(decoding: d, as: UTF8.self)
            let parts = t.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let id = ObjectID(hex: parts[0]) else {
                throw .malformed("ref advertisement line '\(UploadPackV2.CommandRequest.short(t))' is not 'sha256-id ref'")
            }
            if parts[1] == "capabilities^{}" { continue }
            refs.append((String(parts[1]), id))
        }
        let format = caps.first(where: { $0.hasPrefix("object-format=") }) ?? "object-format=sha1"
        guard format == "object-format=sha256" else {
            throw .unsupported("the server's repository uses \(format); Accord repositories are sha256")
        }
        return (refs, caps)
    }

    public static func request(_ commands: [Command], capabilities: [String], pack: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, c) in commands.enumerated() {
            var line = Array("\(c.old.hex) \(c.new.hex) \(c.ref)".utf8)
            if i == 0 { line += [0] + Array(capabilities.joined(separator: " ").utf8) }
            PktLine.append(line + [0x0A], to: &out)
        }
        PktLine.flush(&out)
        out += pack
        return out
    }

    /// Reads report-status (side-band or not): the unpack result (nil: ok) and each ref's status.
    public static func parseReportStatus(_ body: [UInt8], sideBand: Bool, progress: (String) -> Void = { _ in }) throws(ProtocolError) -> (unpack: String?, statuses: [Status]) {
        var inner = body
        if sideBand {
            inner = []
            var r = PktReader(body)
            while let p = try r.next() {
                guard case let .data(d) = p, let band = d.first else { if p == .flush { break }; continue }
                switch band {
                case SideBand.data: inner += d.dropFirst()
                case SideBand.progress: progress(String(decoding: d.dropFirst(), as: UTF8.self))
                case SideBand.error: throw .malformed("the server says: \(String(decoding: d.dropFirst(), as: UTF8.self))")
                default: throw .malformed("side-band \(band) is not 1, 2 or 3")
                }
            }
        }
        var r = PktReader(inner)
        var unpack: String?? = .none
        var statuses: [Status] = []
        while let p = try r.next() {
            if p == .flush { break }
            guard let t = p.text else { continue }
            if t.hasPrefix("unpack ") {
                let v = String(t.dropFirst("unpack ".count))
                unpack = .some(v == "ok" ? nil : v)
            } else if t.hasPrefix("ok ") {
                statuses.append(Status(ref: String(t.dropFirst(3)), reason: nil))
            } else if t.hasPrefix("ng ") {
                let rest = t.dropFirst(3).split(separator: " ", maxSplits: 1)
                statuses.append(Status(ref: String(rest.first ?? ""), reason: rest.count > 1 ? String(rest[1]) : "rejected"))
            } else {
                throw .malformed("report-status line '\(UploadPackV2.CommandRequest.short(t))'")
            }
        }
        guard case let .some(u) = unpack else { throw .malformed("the server's answer has no 'unpack' line") }
        return (u, statuses)
    }
}
