import AccordSigning
import Foundation

/// The organisation as data (one version of `refs/accord/organisation`): who the people are, their
/// keys, roles and offices, and the policies every replica applies. Stored as `organisation.json`
/// (sorted keys, 2-space indent, one trailing newline) in the version's tree.
public struct Organisation: Codable, Sendable, Equatable {
    /// The role that may publish the next version of the organisation. Not a contract role.
    public static let administrator = "administrator"
    public static let fileName = "organisation.json"
    public static let maxBytes = 16 << 20

    public var format: Int = 1
    public var name: String
    public var offices: [String]
    public var people: [Person]
    /// Policy settings by lowercased key (`accord.reviewstages`, `accord.approvers.secondreview`,
    /// `accord.merge.<selector>`, `accord.reminders.expirydays`…), the same keys and values a
    /// repository's config held before the organisation was adopted.
    public var policies: [String: String]
    /// The standard contract templates (absent, not empty, when there are none, so the versions
    /// written before templates existed keep their bytes).
    public var templates: [OrganisationTemplate]?

    public init(name: String, offices: [String] = [], people: [Person] = [], policies: [String: String] = [:]) {
        self.name = name; self.offices = offices; self.people = people; self.policies = policies
    }

    public struct Person: Codable, Sendable, Equatable {
        public var email: String
        public var name: String
        /// Public keys as `ssh-ed25519 BASE64` (no comment).
        public var keys: [String]
        /// Keys that sign nothing any more (a lost laptop); kept so old commits stay explained.
        public var revokedKeys: [String] = []
        public var roles: [String]
        public var offices: [String]
        /// False once the person is revoked: none of their keys signs anything new.
        public var active: Bool = true

        public init(email: String, name: String, keys: [String], roles: [String], offices: [String]) {
            self.email = email; self.name = name; self.keys = keys; self.roles = roles; self.offices = offices
        }

        public var isAdministrator: Bool { active && roles.contains(Organisation.administrator) }
    }

    /// Policy keys: settings an organisation owns and a repository's config may not hold once it
    /// has adopted one (lowercased prefixes; a key equal to one, or below one ending in '.').
    public static let policyKeys = [
        "accord.reviewstages", "accord.approvers.", "accord.changeapprovers", "accord.requiredapprovers.",
        "accord.separationofduties", "accord.frozenfromsubmission", "accord.recorders.", "accord.recordstatuses.",
        "accord.merge.", "accord.reminders.", "accord.performance.",
    ]
    public static func isPolicyKey(_ name: String) -> Bool {
        let n = name.lowercased()
        return policyKeys.contains { $0.hasSuffix(".") ? n.hasPrefix($0) && n.count > $0.count : n == $0 }
    }

    public func policy(_ key: String) -> String? { policies[key.lowercased()] }

    public func person(email: String) -> Person? {
        let e = email.lowercased()
        return people.first { $0.email.lowercased() == e }
    }

    /// The person a key belongs to, and whether that key may sign now (person active, key not revoked).
    public func holder(of key: SSHPublicKey) -> (person: Person, active: Bool)? {
        let line = key.line()
        for p in people {
            if p.keys.contains(line) { return (p, p.active) }
            if p.revokedKeys.contains(line) { return (p, false) }
        }
        return nil
    }

    // MARK: encoding

    public func encoded() -> [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Encoding plain strings, ints and bools cannot fail.
        let data = (try? enc.encode(self)) ?? Data()
        // Foundation indents by two spaces and separates "key" : value; normalise to "key": value,
        // on each line only after the key (a value may itself hold '" : ').
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return Array((lines.map(Organisation.tightenKey).joined(separator: "\n") + "\n").utf8)
    }

    /// `  "key" : value` → `  "key": value`; any other line as it is.
    static func tightenKey(_ line: Substring) -> String {
        let bytes = Array(line.utf8)
        var i = 0
        while i < bytes.count, bytes[i] == 0x20 { i += 1 }
        guard i < bytes.count, bytes[i] == 0x22 else { return String(line) }
        i += 1
        while i < bytes.count, bytes[i] != 0x22 { i += bytes[i] == 0x5C ? 2 : 1 } // past escapes
        let rest = i + 1
        guard rest + 2 < bytes.count, bytes[rest] == 0x20, bytes[rest + 1] == 0x3A, bytes[rest + 2] == 0x20 else { return String(line) }
        return String(decoding: bytes[..<rest] + bytes[(rest + 1)...], as: UTF8.self)
    }

    /// Parses and checks `organisation.json`: every key valid, each key held by one person,
    /// emails unique, offices known, at least one active administrator.
    public init(bytes: [UInt8]) throws(TrustError) {
        guard bytes.count <= Organisation.maxBytes else { throw .invalid("\(Organisation.fileName) is \(bytes.count) bytes, above \(Organisation.maxBytes)") }
        let org: Organisation
        do { org = try JSONDecoder().decode(Organisation.self, from: Data(bytes)) } catch {
            throw .invalid("\(Organisation.fileName) is not an organisation: \(Organisation.describe(error))")
        }
        try org.validate()
        self = org
    }

    public func validate() throws(TrustError) {
        guard format == 1 else { throw .invalid("\(Organisation.fileName): format \(format) is not supported (this accord reads format 1)") }
        var emails: Set<String> = [], keys: [String: String] = [:]
        for p in people {
            let e = p.email.lowercased()
            guard !e.isEmpty, !e.contains(where: { $0 == "<" || $0 == ">" || $0.isNewline || $0 == " " }) else {
                throw .invalid("person '\(p.name)': '\(p.email)' is not an email address")
            }
            guard emails.insert(e).inserted else { throw .invalid("two people have the email \(p.email)") }
            if let k = p.keys.first(where: p.revokedKeys.contains) {
                throw .invalid("person \(p.email): the key \(k.prefix(40))… is both active and revoked; a revoked key stays revoked")
            }
            for k in p.keys + p.revokedKeys {
                do { _ = try SSHPublicKey(line: k) } catch { throw .invalid("person \(p.email): key '\(k.prefix(40))…': \(error)") }
                if let other = keys[k], other != e { throw .invalid("the key \(k.prefix(40))… belongs to both \(other) and \(p.email)") }
                keys[k] = e
            }
            for o in p.offices where !offices.contains(o) { throw .invalid("person \(p.email): office '\(o)' is not one of the organisation's offices") }
            for r in p.roles where r.isEmpty || !r.allSatisfy({ $0.isASCII && $0.isLetter }) {
                throw .invalid("person \(p.email): '\(r)' is not a role name")
            }
        }
        guard people.contains(where: { $0.isAdministrator && !$0.keys.isEmpty }) else {
            throw .invalid("the organisation has no active administrator with a key: nobody could publish its next version")
        }
        for k in policies.keys where k != k.lowercased() || !Organisation.isPolicyKey(k) {
            throw .invalid("'\(k)' is not a policy key")
        }
        try validateTemplates()
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(k, c): return "missing '\(k.stringValue)' at \(path(c))"
        case let DecodingError.typeMismatch(t, c): return "expected \(t) at \(path(c))"
        case let DecodingError.valueNotFound(t, c): return "expected \(t) at \(path(c))"
        case let DecodingError.dataCorrupted(c): return "\(c.debugDescription) at \(path(c))"
        default: return "\(error)"
        }
    }
    static func path(_ c: DecodingError.Context) -> String {
        c.codingPath.isEmpty ? "the top" : c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}

/// Why trust was refused or could not be established: precise, for the person who must act.
public enum TrustError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    case refused(String)
    case store(String)

    public var description: String {
        switch self {
        case let .invalid(s): "invalid organisation: \(s)"
        case let .refused(s): s
        case let .store(s): s
        }
    }
}
