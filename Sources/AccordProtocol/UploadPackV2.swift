import AccordObjects

/// Protocol v2 for fetching (gitprotocol-v2(5)): the capability advertisement, `ls-refs` and
/// `fetch`, both the server's reading of requests and writing of responses, and the client's
/// writing of requests and reading of responses.
public enum UploadPackV2 {
    public static let agent = "accord/1"

    // MARK: server

    /// The answer to `GET info/refs?service=git-upload-pack` with `Git-Protocol: version=2`.
    public static func advertisement() -> [UInt8] {
        PktLine.encode(lines: ["version 2", "agent=\(agent)", "ls-refs", "fetch", "server-option", "object-format=sha256"])
    }

    /// A v2 command request: `command=NAME`, its capabilities, a delimiter, its arguments, a flush.
    public struct CommandRequest: Equatable, Sendable {
        public var command: String
        public var capabilities: [String]
        public var arguments: [String]

        public static let maxArguments = 200_000

        public static func parse(_ body: [UInt8]) throws(ProtocolError) -> CommandRequest? {
            var r = PktReader(body, maxPackets: maxArguments + 64)
            guard let first = try r.next() else { return nil }
            guard first != .flush else { return nil } // an empty request: nothing more to do
            guard let line = first.text, line.hasPrefix("command=") else {
                throw .malformed("a v2 request starts with 'command=', not '\(Self.short(first.text ?? "a special packet"))'")
            }
            var req = CommandRequest(command: String(line.dropFirst("command=".count)), capabilities: [], arguments: [])
            var inArgs = false
            while true {
                let p = try r.expect("its flush packet")
                switch p {
                case .flush:
                    if req.capabilities.contains(where: { $0.hasPrefix("object-format=") && $0 != "object-format=sha256" }) {
                        throw .unsupported("this repository uses object-format=sha256")
                    }
                    return req
                case .delim:
                    guard !inArgs else { throw .malformed("two delimiter packets in one request") }
                    inArgs = true
                case .responseEnd: throw .malformed("a response-end packet inside a request")
                case .data:
                    let t = p.text ?? ""
                    if inArgs { req.arguments.append(t) } else { req.capabilities.append(t) }
                }
            }
        }

        static func short(_ s: String) -> String { s.count > 60 ? String(s.prefix(60)) + "…" : s }
    }

    public struct LsRefsRequest: Equatable, Sendable {
        public var peel = false
        public var symrefs = false
        public var prefixes: [String] = []

        public init(peel: Bool = false, symrefs: Bool = false, prefixes: [String] = []) {
            self.peel = peel; self.symrefs = symrefs; self.prefixes = prefixes
        }

        public init(arguments: [String]) throws(ProtocolError) {
            for a in arguments {
                if a == "peel" { peel = true } else if a == "symrefs" { symrefs = true } else if a == "unborn" {
                    // HEAD is not served: a hub has no branches.
                } else if a.hasPrefix("ref-prefix ") { prefixes.append(String(a.dropFirst("ref-prefix ".count))) } else {
                    throw .unsupported("ls-refs argument '\(CommandRequest.short(a))'")
                }
            }
        }

        /// True if `ref` is asked for (no prefixes: every ref).
        public func wants(_ ref: String) -> Bool { prefixes.isEmpty || prefixes.contains { ref.hasPrefix($0) } }

        public var arguments: [String] {
            (peel ? ["peel"] : []) + (symrefs ? ["symrefs"] : []) + prefixes.map { "ref-prefix \($0)" }
        }
    }

    public struct Ref: Equatable, Sendable {
        public var name: String
        public var id: ObjectID
        public var peeled: ObjectID?
        public init(name: String, id: ObjectID, peeled: ObjectID? = nil) { self.name = name; self.id = id; self.peeled = peeled }
    }

    public static func lsRefsResponse(_ refs: [Ref]) -> [UInt8] {
        var out: [UInt8] = []
        for r in refs { PktLine.append(line: "\(r.id.hex) \(r.name)" + (r.peeled.map { " peeled:\($0.hex)" } ?? ""), to: &out) }
        PktLine.flush(&out)
        return out
    }

    public struct FetchRequest: Equatable, Sendable {
        public var wants: [ObjectID] = []
        public var haves: [ObjectID] = []
        public var done = false
        public var thinPack = false
        public var noProgress = false
        public var includeTag = false
        public var ofsDelta = false

        public init(wants: [ObjectID] = [], haves: [ObjectID] = [], done: Bool = true) {
            self.wants = wants; self.haves = haves; self.done = done
        }

        public init(arguments: [String]) throws(ProtocolError) {
            for a in arguments {
                if a.hasPrefix("want ") {
                    guard let id = ObjectID(hex: a.dropFirst(5)) else { throw .malformed("'\(CommandRequest.short(a))' does not name a sha256 object id") }
                    wants.append(id)
                } else if a.hasPrefix("have ") {
                    guard let id = ObjectID(hex: a.dropFirst(5)) else { throw .malformed("'\(CommandRequest.short(a))' does not name a sha256 object id") }
                    haves.append(id)
                } else {
                    switch a {
                    case "done": done = true
                    case "thin-pack": thinPack = true
                    case "no-progress": noProgress = true
                    case "include-tag": includeTag = true
                    case "ofs-delta": ofsDelta = true
                    default: throw .unsupported("fetch argument '\(CommandRequest.short(a))' (this server offers no shallow, filter or ref-in-want)")
                    }
                }
            }
            guard !wants.isEmpty else { throw .malformed("a fetch request wants nothing") }
        }

        public var arguments: [String] {
            ["ofs-delta"] + (noProgress ? ["no-progress"] : []) + (includeTag ? ["include-tag"] : [])
                + wants.map { "want \($0.hex)" } + haves.map { "have \($0.hex)" } + (done ? ["done"] : [])
        }
    }

    /// What precedes the pack in a fetch response: acknowledgments (when the client did not say
    /// done) with `ready`, then the `packfile` section header. The pack follows on band 1.
    public static func fetchResponseHead(request: FetchRequest, common: [ObjectID]) -> [UInt8] {
        var out: [UInt8] = []
        if !request.done {
            PktLine.append(line: "acknowledgments", to: &out)
            if common.isEmpty { PktLine.append(line: "NAK", to: &out) }
            for c in common { PktLine.append(line: "ACK \(c.hex)", to: &out) }
            PktLine.append(line: "ready", to: &out)
            PktLine.delim(&out)
        }
        PktLine.append(line: "packfile", to: &out)
        return out
    }

    // MARK: client

    public static func request(command: String, arguments: [String]) -> [UInt8] {
        var out: [UInt8] = []
        PktLine.append(line: "command=\(command)", to: &out)
        PktLine.append(line: "agent=\(agent)", to: &out)
        PktLine.append(line: "object-format=sha256", to: &out)
        PktLine.delim(&out)
        for a in arguments { PktLine.append(line: a, to: &out) }
        PktLine.flush(&out)
        return out
    }

    /// Checks a server's v2 advertisement: version 2, `fetch`, `ls-refs`, sha256.
    public static func checkAdvertisement(_ body: [UInt8]) throws(ProtocolError) {
        var r = PktReader(body, maxPackets: 10_000)
        var lines: [String] = []
        while let p = try r.next() {
            if p == .flush { break }
            if let t = p.text {
                if t.hasPrefix("# service=") { // a v0 server: skip its service line and flush
                    _ = try r.next(); continue
                }
                lines.append(t)
            }
        }
        guard lines.first == "version 2" else {
            throw .unsupported("the server does not speak git protocol version 2 (it said '\(CommandRequest.short(lines.first ?? ""))')")
        }
        guard lines.contains(where: { $0 == "fetch" || $0.hasPrefix("fetch=") }), lines.contains(where: { $0 == "ls-refs" || $0.hasPrefix("ls-refs=") }) else {
            throw .unsupported("the server offers no fetch or ls-refs command")
        }
        let format = lines.first(where: { $0.hasPrefix("object-format=") }) ?? "object-format=sha1"
        guard format == "object-format=sha256" else {
            throw .unsupported("the server's repository uses \(format); Accord repositories are sha256")
        }
    }

    public static func parseLsRefs(_ body: [UInt8], maxRefs: Int = 5_000_000) throws(ProtocolError) -> [Ref] {
        var r = PktReader(body, maxPackets: maxRefs + 1)
        var refs: [Ref] = []
        while let p = try r.next() {
            if p == .flush { return refs }
            guard let t = p.text else { throw .malformed("unexpected special packet in the ls-refs answer") }
            let parts = t.split(separator: " ")
            guard parts.count >= 2 else { throw .malformed("ls-refs line '\(CommandRequest.short(t))' is not 'oid name'") }
            if parts[0] == "unborn" { continue }
            guard let id = ObjectID(hex: parts[0]) else { throw .malformed("ls-refs line '\(CommandRequest.short(t))' does not start with a sha256 id") }
            var ref = Ref(name: String(parts[1]), id: id)
            for attr in parts.dropFirst(2) where attr.hasPrefix("peeled:") { ref.peeled = ObjectID(hex: attr.dropFirst("peeled:".count)) }
            refs.append(ref)
        }
        throw .malformed("the ls-refs answer ends without its flush packet")
    }

    /// Reads a fetch response as it arrives: skips the sections before `packfile`, then hands
    /// band-1 bytes to `pack` and band-2 text to `progress`; band 3 is the server's fatal error.
    public struct FetchResponseReader {
        private var stream = PktStream()
        private var inPack = false
        public private(set) var finished = false
        public init() {}

        public mutating func feed(_ bytes: some Sequence<UInt8>, pack: ([UInt8]) throws -> Void, progress: (String) -> Void) throws {
            stream.feed(bytes)
            while !finished, let p = try stream.next() {
                switch p {
                case .flush, .responseEnd:
                    guard inPack else { throw ProtocolError.malformed("the server ended its answer without a pack (it sent no 'ready')") }
                    finished = true
                case .delim: continue
                case let .data(d):
                    if !inPack {
                        if p.text == "packfile" { inPack = true }
                        else if p.text?.hasPrefix("ERR ") == true { throw ProtocolError.malformed("the server says: \(p.text ?? "")") }
                        continue
                    }
                    guard let band = d.first else { throw ProtocolError.malformed("an empty side-band packet") }
                    switch band {
                    case SideBand.data: try pack(Array(d.dropFirst()))
                    case SideBand.progress: progress(String(decoding: d.dropFirst(), as: UTF8.self))
                    case SideBand.error: throw ProtocolError.malformed("the server says: \(String(decoding: d.dropFirst(), as: UTF8.self))")
                    default: throw ProtocolError.malformed("side-band \(band) is not 1, 2 or 3")
                    }
                }
            }
        }
    }
}
