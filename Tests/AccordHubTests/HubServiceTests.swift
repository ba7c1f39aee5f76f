import Foundation
import Testing
import AccordObjects
import AccordProtocol
import AccordStore
import AccordSync
@testable import AccordHub

/// The wire format and the hub's protocol logic, without a socket.
@Suite struct WireFormatTests {
    @Test func pktLinesRoundTripAndBadFramingIsNamed() throws {
        var out: [UInt8] = []
        PktLine.append(line: "command=ls-refs", to: &out)
        PktLine.delim(&out)
        PktLine.append(line: "peel", to: &out)
        PktLine.flush(&out)
        #expect(String(decoding: out, as: UTF8.self) == "0014command=ls-refs\n00010009peel\n0000")
        var r = PktReader(out)
        #expect(try r.next()?.text == "command=ls-refs")
        #expect(try r.next() == .delim)
        #expect(try r.next()?.text == "peel")
        #expect(try r.next() == .flush)
        #expect(try r.next() == nil)

        for (bytes, says) in [("00zz", "bad pkt-line length"), ("0003", "length 3"), ("0010abc", "only 7 remain"), ("ffff" + String(repeating: "a", count: 65531), "exceeds git's limit"), ("00", "cut short")] {
            var bad = PktReader(Array(bytes.utf8))
            #expect(throws: ProtocolError.self) { _ = try bad.next() }
            do { _ = try bad.next(); Issue.record("\(bytes.prefix(8)) accepted") } catch { #expect("\(error)".contains(says), "\(error)") }
        }
        var limited = PktReader(PktLine.encode(lines: Array(repeating: "x", count: 10)), maxPackets: 5)
        #expect(throws: ProtocolError.limit("more than 5 pkt-lines in one request")) { while try limited.next() != nil {} }
    }

    @Test func sideBandSplitsLargeDataAndTheStreamReassemblesIt() throws {
        let data = (0..<200_000).map { UInt8($0 % 251) }
        var out: [UInt8] = []
        SideBand.append(data, band: SideBand.data, to: &out)
        var stream = PktStream()
        var back: [UInt8] = []
        // Fed in odd-sized pieces, as a network delivers them.
        var i = 0
        while i < out.count {
            let j = min(out.count, i + 7919)
            stream.feed(out[i..<j])
            while let p = try stream.next() {
                guard case let .data(d) = p else { continue }
                #expect(d.count <= Pkt.maxPayload)
                #expect(d.first == SideBand.data)
                back += d.dropFirst()
            }
            i = j
        }
        #expect(back == data)
    }

    @Test func fetchAndPushRequestsAreReadStrictly() throws {
        let id = ObjectHasher.id(type: .blob, payload: Array("x".utf8))
        let req = try #require(try UploadPackV2.CommandRequest.parse(UploadPackV2.request(command: "fetch", arguments: ["want \(id.hex)", "done"])))
        let fetch = try UploadPackV2.FetchRequest(arguments: req.arguments)
        #expect(fetch.wants == [id] && fetch.done)
        #expect(throws: ProtocolError.self) { _ = try UploadPackV2.FetchRequest(arguments: ["want 1234"]) }
        #expect(throws: ProtocolError.self) { _ = try UploadPackV2.FetchRequest(arguments: ["deepen 1", "want \(id.hex)"]) }
        #expect(throws: ProtocolError.self) { _ = try UploadPackV2.FetchRequest(arguments: ["done"]) } // wants nothing
        var sha1: [UInt8] = []
        PktLine.append(line: "command=ls-refs", to: &sha1)
        PktLine.append(line: "object-format=sha1", to: &sha1)
        PktLine.flush(&sha1)
        #expect(throws: ProtocolError.unsupported("this repository uses object-format=sha256")) { _ = try UploadPackV2.CommandRequest.parse(sha1) }

        let push = ReceivePack.request([.init(old: .zero, new: id, ref: "refs/contracts/C-1")], capabilities: ["report-status", "atomic"], pack: Array("PACK".utf8))
        let parsed = try ReceivePack.parseRequest(push)
        #expect(parsed.commands == [.init(old: .zero, new: id, ref: "refs/contracts/C-1")])
        #expect(parsed.atomic && !parsed.sideBand)
        #expect(Array(parsed.pack) == Array("PACK".utf8))
        #expect(try ReceivePack.parseRequest(Array("0000".utf8)).commands.isEmpty) // git's probe
        #expect(throws: ProtocolError.self) { _ = try ReceivePack.parseRequest(PktLine.encode(lines: ["\(id.hex) refs/contracts/C-1"])) }

        let report = ReceivePack.reportStatus(unpack: nil, [.init(ref: "refs/contracts/C-1", reason: nil), .init(ref: "refs/contracts/C-2", reason: "forbidden: East\nonly")], sideBand: true)
        let back = try ReceivePack.parseReportStatus(report, sideBand: true)
        #expect(back.unpack == nil)
        #expect(back.statuses == [.init(ref: "refs/contracts/C-1", reason: nil), .init(ref: "refs/contracts/C-2", reason: "forbidden: East only")])
    }
}

/// `HubService` on a real hub repository (made with the CLI), called directly.
extension Hub {
@Suite("HubService", .serialized, .enabled(if: HubTools.ready, Comment(rawValue: HubTools.missing)))
struct HubServiceTests {
    func basic(_ email: String, _ token: String) -> String {
        "Basic " + Data("\(email):\(token)".utf8).base64EncodedString()
    }

    @Test func callersAreProvenAndSeeOnlyTheirOffices() throws {
        let w = try HubWorld()
        try w.setUp()
        let service = try HubService(repository: try Repository(gitDir: w.hub))
        for bad in [nil, "", "Bearer nope", "Basic !!!", basic("zhang@example.cn", "acc_wrong"), basic("wang@example.cn", w.tokens["zhang"] ?? "")] {
            #expect(throws: HubService.Failure.self) { _ = try service.authenticate(bad) }
        }
        let zhang = try service.authenticate(basic("zhang@example.cn", w.tokens["zhang"] ?? ""))
        #expect(zhang.person.email == "zhang@example.cn" && !zhang.seesAll)
        let admin = try service.authenticate("Bearer \(w.tokens["admin"] ?? "")")
        #expect(admin.seesAll)
        #expect(try service.refs(for: zhang).map(\.name) == ["refs/accord/organisation", HubWorld.east])
        #expect(try service.refs(for: admin).map(\.name).sorted() == ["refs/accord/organisation", HubWorld.east, HubWorld.west])

        // ls-refs answers with the caller's refs; a fetch of West's tip by the East rep is refused.
        let ls = try service.uploadPack(UploadPackV2.request(command: "ls-refs", arguments: []), caller: zhang)
        #expect(try UploadPackV2.parseLsRefs(ls.head).map(\.name) == ["refs/accord/organisation", HubWorld.east])
        let west = try #require(try Repository(gitDir: w.hub).refs.resolve(HubWorld.west))
        do {
            _ = try service.uploadPack(UploadPackV2.request(command: "fetch", arguments: ["want \(west.hex)", "done"]), caller: zhang)
            Issue.record("the East rep fetched West's contract")
        } catch let f as HubService.Failure {
            #expect(f.status == 403 && f.message.contains("not our ref") && f.asPacket)
        }
        let answer = try service.uploadPack(UploadPackV2.request(command: "fetch", arguments: ["want \(west.hex)", "done"]), caller: admin)
        defer { answer.cleanup() }
        #expect(answer.packPath.map(FileManager.default.fileExists(atPath:)) == true)

        // A revoked token stops working at once.
        _ = try service.tokens.revoke("zhang@example.cn")
        #expect(throws: HubService.Failure.self) { _ = try service.authenticate(basic("zhang@example.cn", w.tokens["zhang"] ?? "")) }
        // The feed knows every contract's office from the start (reconciled with the refs).
        let feed = String(decoding: service.changes(since: 0, wait: 0, caller: admin), as: UTF8.self)
        #expect(feed.contains(HubWorld.east) && feed.contains(HubWorld.west))
    }

    /// The hub keeps the organisation version it read, by its id: a new version (a person revoked)
    /// is the one the next request is judged by.
    @Test func aNewOrganisationVersionIsTheOneCallersAreJudgedBy() throws {
        let w = try HubWorld()
        try w.setUp()
        let service = try HubService(repository: try Repository(gitDir: w.hub))
        let zhang = "Basic " + Data("zhang@example.cn:\(w.tokens["zhang"] ?? "")".utf8).base64EncodedString()
        #expect(try service.authenticate(zhang).person.email == "zhang@example.cn")
        #expect(try service.authenticate(zhang).person.email == "zhang@example.cn") // from the kept version
        w.accordOK("org", "person", "revoke", "zhang@example.cn", cwd: w.hub)
        do {
            _ = try service.authenticate(zhang)
            Issue.record("a person revoked in the organisation's new version was still let in")
        } catch let f as HubService.Failure {
            #expect(f.status == 403 && f.message.contains("not an active person"), "\(f.message)")
        }
    }

    /// A tag that is already there when a push creating it arrives (two pushes racing): the same
    /// value is up to date, another value is refused, and the tag never moves.
    @Test func aTagAlreadyThereIsUpToDateAndNeverMoved() throws {
        let w = try HubWorld()
        try w.setUp()
        w.accordOK("tag", "HT-2026-001", "v1", cwd: w.hq)
        let tag = try #require(ObjectID(hex: w.gitOK("--git-dir", "\(w.hq)/.accord", "rev-parse", "refs/tags/HT-2026-001/v1")))
        let head = try #require(ObjectID(hex: w.gitOK("--git-dir", w.hub, "rev-parse", HubWorld.east)))
        w.gitOK("--git-dir", w.hub, "fetch", "-q", "\(w.hq)/.accord", "refs/tags/HT-2026-001/v1:refs/tags/HT-2026-001/v1")
        let repo = try Repository(gitDir: w.hub)
        let who = Identity(name: "Tester", email: "t@example.com", seconds: 1_700_000_100, offsetMinutes: 0)
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        let same = try PushReceiver.receive([.init(ref: "refs/tags/HT-2026-001/v1", old: nil, new: tag)], pack: none, into: repo, who: who)
        #expect(same.changes.map(\.status) == [.upToDate], "\(same.changes)")
        let other = try PushReceiver.receive([.init(ref: "refs/tags/HT-2026-001/v1", old: nil, new: head)], pack: none, into: repo, who: who)
        #expect(other.changes.first?.status == .rejected && other.changes.first?.reason?.contains("already exists") == true, "\(other.changes)")
        let moved = try PushReceiver.receive([.init(ref: "refs/tags/HT-2026-001/v1", old: tag, new: head)], pack: none, into: repo, who: who)
        #expect(moved.changes.first?.status == .rejected && moved.changes.first?.reason?.contains("never moved") == true, "\(moved.changes)")
        let deleted = try PushReceiver.receive([.init(ref: "refs/tags/HT-2026-001/v1", old: tag, new: nil)], pack: none, into: repo, who: who)
        #expect(deleted.changes.first?.status == .rejected && deleted.changes.first?.reason?.contains("deletion prohibited") == true)
        #expect(try repo.refs.resolve("refs/tags/HT-2026-001/v1") == tag)
    }

    /// A client that listed the refs just before another push moved one still gets its pack: a
    /// tip the ref had (recorded in the feed) is served to whoever may see the ref.
    @Test func aWantOfATipTheRefHadIsServed() throws {
        let w = try HubWorld()
        try w.setUp()
        let old = try #require(w.hubRef(HubWorld.east).flatMap(ObjectID.init(hex:)))
        _ = try HubService(repository: try Repository(gitDir: w.hub)) // its feed records the tip
        let east = try w.replica("east", as: "zhang")
        w.accordOK("set", "HT-2026-001", "buyer.phone=021-1", cwd: east, as: "zhang")
        w.accordOK("push", "-q", cwd: east, as: "zhang")
        #expect(w.hubRef(HubWorld.east) != old.hex)
        let service = try HubService(repository: try Repository(gitDir: w.hub))
        let zhang = try service.authenticate(basic("zhang@example.cn", w.tokens["zhang"] ?? ""))
        let answer = try service.uploadPack(UploadPackV2.request(command: "fetch", arguments: ["want \(old.hex)", "done"]), caller: zhang)
        defer { answer.cleanup() }
        #expect(answer.packPath.map(FileManager.default.fileExists(atPath:)) == true)
    }
}}

