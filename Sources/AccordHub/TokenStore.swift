import AccordStore
import Crypto
import Foundation

/// The hub's access tokens, each bound to a person of the organisation (by email). Only a
/// token's SHA-256 is stored (`<gitDir>/accord/hub/tokens`, mode 0600, never in the config):
/// the token itself is shown once, when it is made. Every change rewrites the file atomically
/// under `tokens.lock`.
public final class TokenStore: @unchecked Sendable {
    public struct Token: Sendable, Equatable {
        public var id: String
        /// SHA-256 of the token, hex.
        public var hash: String
        public var person: String
        public var created: Int64
        public var revoked: Bool
        public var label: String
    }

    public let path: String
    private let lock = NSLock()
    private var byHash: [String: Token] = [:]
    private var stamp: [Int]?

    public init(gitDir: String) {
        path = "\(gitDir)/accord/hub/tokens"
    }

    /// Tokens are `acc_` and 43 characters of base64url: 256 random bits.
    public static func newSecret() -> String {
        // UInt8.random uses the system's generator (getrandom), fit for secrets.
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255) }
        return "acc_" + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Every token, oldest first (read from disk each time: another process may have changed it).
    public func all() throws -> [Token] {
        guard let bytes = try FileIO.read(path, limit: 64 << 20) else { return [] }
        var out: [Token] = []
        for (n, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n").enumerated() {
            let f = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 5, let created = Int64(f[3]), f[1].count == 64, f[4] == "active" || f[4] == "revoked" else {
                throw StoreError.invalidInput("\(path) line \(n + 1) is not 'id hash person created active|revoked [label]'")
            }
            out.append(Token(id: f[0], hash: f[1], person: f[2], created: created, revoked: f[4] == "revoked", label: f.count > 5 ? f[5] : ""))
        }
        return out
    }

    /// Makes a token for `person`; returns it (its secret is in no file).
    public func create(person: String, label: String) throws -> (token: Token, secret: String) {
        guard !person.isEmpty, !person.contains(where: { $0 == " " || $0 == "\n" }) else {
            throw StoreError.invalidInput("'\(person)' is not a person's email")
        }
        let secret = TokenStore.newSecret()
        let id = String(TokenStore.hash(secret + "id").prefix(12))
        let t = Token(id: id, hash: TokenStore.hash(secret), person: person.lowercased(), created: Int64(Date().timeIntervalSince1970),
                      revoked: false, label: label.replacingOccurrences(of: "\n", with: " "))
        try rewrite { $0.append(t) }
        return (t, secret)
    }

    /// Revokes the token with this id (or every token of a person, given an email).
    @discardableResult
    public func revoke(_ idOrPerson: String) throws -> [Token] {
        var revoked: [Token] = []
        try rewrite { tokens in
            for i in tokens.indices where !tokens[i].revoked && (tokens[i].id == idOrPerson || tokens[i].person == idOrPerson.lowercased()) {
                tokens[i].revoked = true
                revoked.append(tokens[i])
            }
        }
        guard !revoked.isEmpty else { throw StoreError.invalidInput("no active token '\(idOrPerson)' (see accord serve token list)") }
        return revoked
    }

    /// The active token whose secret this is, or nil. The file is re-read when it changed, so a
    /// revocation takes effect on the next request.
    /// Throws if the file cannot be read or parsed (said, not taken for "no such token").
    public func lookup(secret: String) throws -> Token? {
        let h = TokenStore.hash(secret)
        lock.lock(); defer { lock.unlock() }
        let now = FileIO.identity(path)
        if now != stamp || byHash.isEmpty {
            var fresh: [String: Token] = [:]
            for t in try all() { fresh[t.hash] = t }
            byHash = fresh
            stamp = now
        }
        guard let t = byHash[h], !t.revoked else { return nil }
        return t
    }

    private func rewrite(_ change: (inout [Token]) -> Void) throws {
        try FileIO.makeDirectories(FileIO.dirname(of: path))
        let lockFile = try LockFile(path: path)
        defer { lockFile.rollback() }
        var tokens = try all()
        change(&tokens)
        let text = tokens.map { "\($0.id) \($0.hash) \($0.person) \($0.created) \($0.revoked ? "revoked" : "active") \($0.label)" }.joined(separator: "\n")
        try FileIO.writeAtomically(path, Array((text.isEmpty ? "" : text + "\n").utf8), mode: 0o600)
    }
}
