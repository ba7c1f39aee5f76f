import Crypto
import Foundation

/// An Ed25519 public key as OpenSSH writes it: the wire blob `string "ssh-ed25519", string key`.
public struct SSHPublicKey: Hashable, Sendable {
    public static let type = "ssh-ed25519"
    public let raw: [UInt8]   // 32 bytes

    public init(raw: [UInt8]) throws(SigningError) {
        guard raw.count == 32 else { throw .malformed("ed25519 public key", "\(raw.count) bytes, not 32") }
        self.raw = raw
    }

    /// From its wire blob (as inside a signature or a key file).
    public init(blob: [UInt8]) throws(SigningError) {
        var r = SSHReader(blob, what: "public key")
        let type = try r.text()
        guard type == Self.type else { throw .unsupported("key type '\(type)' is not supported (only ssh-ed25519)") }
        try self.init(raw: try r.string())
        guard r.isAtEnd else { throw .malformed("public key", "bytes after the key") }
    }

    /// From a line `ssh-ed25519 AAAA… [comment]` (an authorized_keys or .pub line).
    public init(line: String) throws(SigningError) {
        let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count >= 2, let blob = Data(base64Encoded: String(parts[1])) else {
            throw .malformed("public key line", "expected 'ssh-ed25519 BASE64 [comment]'")
        }
        guard parts[0] == Self.type else { throw .unsupported("key type '\(parts[0])' is not supported (only ssh-ed25519)") }
        try self.init(blob: Array(blob))
    }

    public var blob: [UInt8] {
        var w = SSHWriter()
        w.string(Self.type); w.string(raw)
        return w.bytes
    }

    /// `ssh-ed25519 BASE64` (and the comment, if any), as in a .pub file.
    public func line(comment: String = "") -> String {
        "\(Self.type) \(Data(blob).base64EncodedString())" + (comment.isEmpty ? "" : " \(comment)")
    }

    /// `SHA256:…`, the fingerprint `ssh-keygen -l` prints (unpadded base64 of the blob's SHA-256).
    public var fingerprint: String {
        var b64 = Data(SHA256.hash(data: blob)).base64EncodedString()
        while b64.hasSuffix("=") { b64.removeLast() }
        return "SHA256:" + b64
    }

    func isValidSignature(_ signature: [UInt8], for data: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: data)
    }
}

/// An Ed25519 key pair in OpenSSH's private key format (`ssh-keygen -t ed25519` without a
/// passphrase), with its comment.
public struct SSHPrivateKey: Sendable {
    /// The 32-byte Ed25519 seed (swift-crypto's key type is not Sendable; it is rebuilt to sign).
    let seed: [UInt8]
    public let publicKey: SSHPublicKey
    public var comment: String

    public static func generate(comment: String) -> SSHPrivateKey {
        let key = Curve25519.Signing.PrivateKey()
        // 32 raw bytes from swift-crypto: the constructor cannot fail.
        return SSHPrivateKey(seed: Array(key.rawRepresentation), publicKey: try! SSHPublicKey(raw: Array(key.publicKey.rawRepresentation)),
                             comment: comment)
    }

    private init(seed: [UInt8], publicKey: SSHPublicKey, comment: String) {
        self.seed = seed; self.publicKey = publicKey; self.comment = comment
    }

    static let begin = "-----BEGIN OPENSSH PRIVATE KEY-----", end = "-----END OPENSSH PRIVATE KEY-----"
    static let magic = Array("openssh-key-v1".utf8) + [0]

    /// Parses the text of an OpenSSH private key file. Encrypted keys and other key types are
    /// refused, naming why.
    public init(openSSH text: String) throws(SigningError) {
        let what = "OpenSSH private key"
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let b = lines.firstIndex(of: Self.begin), let e = lines.firstIndex(of: Self.end), b < e else {
            throw .malformed(what, "no '\(Self.begin)' … '\(Self.end)' block (is it an OpenSSH key?)")
        }
        guard let data = Data(base64Encoded: lines[(b + 1)..<e].joined()) else { throw .malformed(what, "the body is not base64") }
        var r = SSHReader(Array(data), what: what)
        guard try r.raw(Self.magic.count) == Self.magic else { throw .malformed(what, "no openssh-key-v1 header") }
        let cipher = try r.text(), kdf = try r.text()
        _ = try r.string()
        guard cipher == "none", kdf == "none" else {
            throw .unsupported("the key is encrypted with a passphrase (\(cipher)); use a key without one (ssh-keygen -t ed25519 -N '')")
        }
        guard try r.uint32() == 1 else { throw .unsupported("the file holds several keys; use a file with one") }
        let pub = try SSHPublicKey(blob: try r.string())
        var p = SSHReader(try r.string(), what: what)
        guard try p.uint32() == (try p.uint32()) else { throw .malformed(what, "check numbers differ (a wrong passphrase or damage)") }
        guard try p.text() == SSHPublicKey.type else { throw .unsupported("only ssh-ed25519 keys are supported") }
        guard try p.string() == pub.raw else { throw .malformed(what, "the private part names another public key") }
        let secret = try p.string()
        guard secret.count == 64, Array(secret[32...]) == pub.raw else { throw .malformed(what, "the ed25519 secret is not 64 bytes ending in the public key") }
        let comment = String(decoding: try p.string(), as: UTF8.self)
        let padding = try p.raw(p.bytes.count - p.at)
        guard padding.enumerated().allSatisfy({ $0.element == UInt8($0.offset + 1) }) else { throw .malformed(what, "bad padding") }
        let key: Curve25519.Signing.PrivateKey
        do { key = try Curve25519.Signing.PrivateKey(rawRepresentation: secret[..<32]) } catch {
            throw .malformed(what, "the ed25519 seed is not usable")
        }
        guard Array(key.publicKey.rawRepresentation) == pub.raw else { throw .malformed(what, "the seed does not give its public key") }
        self.init(seed: Array(key.rawRepresentation), publicKey: pub, comment: comment)
    }

    /// The OpenSSH private key file (unencrypted), as `ssh-keygen` writes it.
    public func openSSH() -> String {
        var priv = SSHWriter()
        let check = UInt32.random(in: .min ... .max)
        priv.uint32(check); priv.uint32(check)
        priv.string(SSHPublicKey.type)
        priv.string(publicKey.raw)
        priv.string(seed + publicKey.raw)
        priv.string(comment)
        var pad: UInt8 = 1
        while priv.bytes.count % 8 != 0 { priv.raw([pad]); pad += 1 }
        var w = SSHWriter()
        w.raw(Self.magic)
        w.string("none"); w.string("none"); w.string([UInt8]())
        w.uint32(1)
        w.string(publicKey.blob)
        w.string(priv.bytes)
        return Self.begin + "\n" + Armor.wrap(Data(w.bytes).base64EncodedString()) + Self.end + "\n"
    }

    func sign(_ data: [UInt8]) throws -> [UInt8] {
        Array(try Curve25519.Signing.PrivateKey(rawRepresentation: seed).signature(for: data))
    }
}

enum Armor {
    /// Base64 text in lines of 70 characters, each ending in a newline (OpenSSH's layout).
    static func wrap(_ b64: String) -> String {
        var out = "", line = ""
        for c in b64 {
            line.append(c)
            if line.count == 70 { out += line + "\n"; line = "" }
        }
        return line.isEmpty ? out : out + line + "\n"
    }
}
