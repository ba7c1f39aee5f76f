import Foundation
import Testing
import AccordObjects
import AccordStore
import AccordSync
@testable import AccordHub

extension Hub {
    /// The hub's state on disk and what cleans it up: the feed file, the tokens file, what a
    /// killed hub leaves, and a replica's feed position.
    @Suite("HubState", .serialized, .enabled(if: HubTools.ready, Comment(rawValue: HubTools.missing)))
    struct HubStateTests {
        /// A feed whose last line a kill cut short: the line is dropped and cut off the file, so
        /// the next line is not glued to it.
        @Test func aFeedLineCutShortIsDroppedAndCutOff() throws {
            let dir = FileManager.default.temporaryDirectory.path + "/accord-feed-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try FileManager.default.createDirectory(atPath: "\(dir)/accord/hub", withIntermediateDirectories: true)
            let id = ObjectHasher.id(type: .blob, payload: Array("x".utf8))
            let whole = "accord-feed 1 f1\n1\trefs/contracts/C-1\t\(id.hex)\tEast\t\n"
            try (whole + "2\trefs/contracts/C-2\t\(id.hex.prefix(20))").write(toFile: "\(dir)/accord/hub/feed", atomically: true, encoding: .utf8)
            let feed = try ChangesFeed(gitDir: dir)
            #expect(feed.feedID == "f1" && feed.lastSeq == 1)
            #expect(try String(contentsOfFile: "\(dir)/accord/hub/feed", encoding: .utf8) == whole)
            try feed.append([(ref: "refs/contracts/C-2", id: id, office: "West", previousOffice: "")])
            #expect(try ChangesFeed(gitDir: dir).changes(since: 0).map(\.seq) == [1, 2])
            #expect(feed.office(of: "refs/contracts/C-2") == "West")
        }

        /// A change the feed already says (a catch-up saw a push's ref move before the push wrote
        /// its line) is not written twice; a new value or office of the same ref is.
        @Test func aChangeTheFeedAlreadySaysIsNotWrittenTwice() throws {
            let dir = FileManager.default.temporaryDirectory.path + "/accord-feed-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let feed = try ChangesFeed(gitDir: dir)
            let a = ObjectHasher.id(type: .blob, payload: Array("a".utf8)), b = ObjectHasher.id(type: .blob, payload: Array("b".utf8))
            let ref = "refs/contracts/C-1"
            try feed.append([(ref: ref, id: a, office: "East", previousOffice: "")])
            try feed.append([(ref: ref, id: a, office: "East", previousOffice: "")])
            #expect(feed.lastSeq == 1)
            try feed.append([(ref: ref, id: a, office: "West", previousOffice: "East"), (ref: ref, id: b, office: "West", previousOffice: "West")])
            let again = try ChangesFeed(gitDir: dir).changes(since: 0)
            #expect(again.map(\.seq) == [1, 2, 3] && again.map(\.id) == [a, a, b])
        }

        /// A tokens file the hub cannot read is the hub's fault (500), not a wrong token (401).
        @Test func anUnreadableTokensFileIsAnInternalError() throws {
            let w = try HubWorld()
            try w.setUp()
            let service = try HubService(repository: try Repository(gitDir: w.hub))
            try "not a tokens line\n".write(toFile: service.tokens.path, atomically: true, encoding: .utf8)
            do {
                _ = try service.authenticate("Bearer \(w.tokens["zhang"] ?? "")")
                Issue.record("a broken tokens file let a caller in")
            } catch let f as HubService.Failure {
                #expect(f.status == 500 && f.message.contains(service.tokens.path) && f.message.contains("line 1"), "\(f.message)")
            }
        }

        /// A contract that leaves the caller's offices is named in the feed without its new head.
        @Test func aContractThatLeavesYourOfficesIsNamedWithoutItsHead() throws {
            let w = try HubWorld()
            try w.setUp()
            let service = try HubService(repository: try Repository(gitDir: w.hub))
            let admin = try service.authenticate("Bearer \(w.tokens["admin"] ?? "")")
            let zhang = try service.authenticate("Bearer \(w.tokens["zhang"] ?? "")")
            let since = service.feed.lastSeq
            let moved = try #require(w.hubRef(HubWorld.east).flatMap(ObjectID.init(hex:)))
            try service.feed.append([(ref: HubWorld.east, id: moved, office: "West", previousOffice: "East")])
            func entries(_ c: Caller) throws -> [[String: Any]] {
                let json = try JSONSerialization.jsonObject(with: Data(service.changes(since: since, wait: 0, caller: c))) as? [String: Any]
                return json?["changes"] as? [[String: Any]] ?? []
            }
            let east = try entries(zhang)
            #expect(east.count == 1 && east.first?["visible"] as? Bool == false && east.first?["id"] is NSNull, "\(east)")
            #expect(try entries(admin).first?["id"] as? String == moved.hex)
        }

        /// What a killed hub leaves (a push's quarantine, a fetch's pack) goes with `accord gc`
        /// once an hour old; a fresh one (a hub may be using it) stays. `accord remote remove`
        /// forgets the replica's feed position with the remote.
        @Test func gcRemovesWhatAKilledHubLeftAndRemoteRemoveForgetsThePosition() throws {
            let w = try HubWorld()
            try w.setUp()
            let old = ["\(w.hub)/objects/incoming-1_1_1", "\(w.hub)/accord/hub/tmp/upload_1_1_1"]
            let fresh = "\(w.hub)/objects/incoming-2_2_2"
            for d in old + [fresh] {
                try FileManager.default.createDirectory(atPath: "\(d)/pack", withIntermediateDirectories: true)
                try "x".write(toFile: "\(d)/pack/tmp_pack_x", atomically: false, encoding: .utf8)
            }
            for d in old { w.ok("/usr/bin/touch", ["-d", "2 hours ago", d]) }
            w.accordOK("gc", "-q", cwd: w.hub)
            for d in old { #expect(!FileManager.default.fileExists(atPath: d), "\(d) survived gc") }
            #expect(FileManager.default.fileExists(atPath: fresh))

            let hub = try HubProcess(w)
            defer { _ = hub.stop() }
            #expect(w.run(HubTools.accord, ["clone", "-q", hub.url, "east"], as: "zhang", env: ["ACCORD_TOKEN": w.tokens["zhang"] ?? ""]).status == 0)
            let position = "\(w.root)/east/.accord/accord/feeds/origin"
            #expect(FileManager.default.fileExists(atPath: position))
            w.accordOK("remote", "remove", "origin", cwd: "\(w.root)/east", as: "zhang")
            #expect(!FileManager.default.fileExists(atPath: position))
        }
    }
}
