import AccordObjects
import Foundation

/// One answer of a hub's changes feed (`GET accord/changes`): the refs that moved after a
/// sequence number, so a client polls cheaply instead of listing every ref.
public struct ChangesFeedPage: Sendable, Equatable {
    /// The hub's feed id: a different one means the hub's feed was reset, and sequence numbers
    /// from before mean nothing.
    public var feed: String
    /// The newest sequence number (ask `since: last` next).
    public var last: Int
    public var changes: [Change]

    public struct Change: Sendable, Equatable {
        public var seq: Int
        public var ref: String
        /// nil: the ref is gone (or no longer visible to this caller).
        public var id: ObjectID?
        public var visible: Bool
        public init(seq: Int, ref: String, id: ObjectID?, visible: Bool) { self.seq = seq; self.ref = ref; self.id = id; self.visible = visible }
    }

    public init(feed: String, last: Int, changes: [Change]) { self.feed = feed; self.last = last; self.changes = changes }

    private struct Wire: Decodable {
        var feed: String
        var last: Int
        var changes: [WireChange]
    }
    private struct WireChange: Decodable {
        var seq: Int
        var ref: String
        var id: String?
        var visible: Bool
    }

    static func decode(_ body: [UInt8], url: String) throws -> ChangesFeedPage {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(body))
        } catch let e as DecodingError {
            throw TransportError.badRemote("\(url): the changes feed's answer is not the expected JSON (\(Self.explain(e)))")
        }
        var changes: [Change] = []
        changes.reserveCapacity(wire.changes.count)
        for c in wire.changes {
            var id: ObjectID?
            if let hex = c.id {
                guard hex.utf8.count == ObjectID.hexCount, let v = ObjectID(hex: hex) else {
                    throw TransportError.badRemote("\(url): change \(c.seq) of the feed has id '\(hex.prefix(80))', not a sha256 object id")
                }
                id = v
            }
            changes.append(Change(seq: c.seq, ref: c.ref, id: id, visible: c.visible))
        }
        return ChangesFeedPage(feed: wire.feed, last: wire.last, changes: changes)
    }

    private static func explain(_ e: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "" : " at \(p)"
        }
        switch e {
        case let .keyNotFound(k, c): return "'\(k.stringValue)' is missing\(path(c))"
        case let .typeMismatch(t, c): return "expected \(t)\(path(c))"
        case let .valueNotFound(t, c): return "expected \(t)\(path(c)), found null"
        case let .dataCorrupted(c): return "malformed\(path(c))"
        @unknown default: return "\(e)"
        }
    }
}
