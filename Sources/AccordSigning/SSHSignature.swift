import AccordObjects
import Crypto
import Foundation

/// SSH signatures in OpenSSH's SSHSIG format (PROTOCOL.sshsig), as `ssh-keygen -Y sign` writes
/// them and `git commit -S` with `gpg.format=ssh` stores them: Ed25519 over the SHA-512 of the
/// message, under a namespace (`git` for commits and tags).
public enum SSHSignature {
    static let magic = Array("SSHSIG".utf8)
    static let begin = "-----BEGIN SSH SIGNATURE-----", end = "-----END SSH SIGNATURE-----"
    public static let gitNamespace = "git"

    /// What is signed: the preamble, the namespace, the hash algorithm and the message's hash.
    static func signedData(digest: [UInt8], hash: String, namespace: String) -> [UInt8] {
        var w = SSHWriter()
        w.raw(magic)
        w.string(namespace)
        w.string([UInt8]())          // reserved
        w.string(hash)
        w.string(digest)
        return w.bytes
    }

    /// The armored signature of `message` by `key`.
    public static func sign(_ message: [UInt8], with key: SSHPrivateKey, namespace: String = gitNamespace) throws -> String {
        var sig = SSHWriter()
        sig.string(SSHPublicKey.type)
        sig.string(try key.sign(signedData(digest: Array(SHA512.hash(data: message)), hash: "sha512", namespace: namespace)))
        var w = SSHWriter()
        w.raw(magic)
        w.uint32(1)
        w.string(key.publicKey.blob)
        w.string(namespace)
        w.string([UInt8]())
        w.string("sha512")
        w.string(sig.bytes)
        return begin + "\n" + Armor.wrap(Data(w.bytes).base64EncodedString()) + end + "\n"
    }

    /// Checks an armored signature of `message` and returns the key that made it. Everything is
    /// checked: the armor, the version, the namespace, the hash algorithm (sha512 or sha256, as
    /// OpenSSH allows), the key type, and the signature itself.
    public static func verify(_ armored: String, of message: [UInt8], namespace: String = gitNamespace) throws(SigningError) -> SSHPublicKey {
        let what = "SSH signature"
        let lines = armored.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let b = lines.firstIndex(of: begin), let e = lines.firstIndex(of: end), b < e,
              let data = Data(base64Encoded: lines[(b + 1)..<e].joined()) else {
            throw .malformed(what, "no '\(begin)' … '\(end)' block of base64")
        }
        var r = SSHReader(Array(data), what: what)
        guard try r.raw(magic.count) == magic else { throw .malformed(what, "no SSHSIG preamble") }
        let version = try r.uint32()
        guard version == 1 else { throw .unsupported("SSH signature version \(version) is not supported") }
        let key = try SSHPublicKey(blob: try r.string())
        let ns = try r.text()
        guard ns == namespace else { throw .badSignature("made for namespace '\(ns)', not '\(namespace)'") }
        _ = try r.string()
        let hash = try r.text()
        var sig = SSHReader(try r.string(), what: what)
        guard r.isAtEnd else { throw .malformed(what, "bytes after the signature") }
        guard try sig.text() == SSHPublicKey.type else { throw .unsupported("only ssh-ed25519 signatures are supported") }
        let raw = try sig.string()
        guard sig.isAtEnd, raw.count == 64 else { throw .malformed(what, "an ed25519 signature is 64 bytes") }
        let digest: [UInt8]
        switch hash {
        case "sha512": digest = Array(SHA512.hash(data: message))
        case "sha256": digest = Array(SHA256.hash(data: message))
        default: throw .unsupported("hash algorithm '\(hash)' is not supported")
        }
        guard key.isValidSignature(raw, for: signedData(digest: digest, hash: hash, namespace: ns)) else {
            throw .badSignature("it does not match the content (key \(key.fingerprint))")
        }
        return key
    }
}

/// Signs commits and tags with an SSH key, as git does with `gpg.format=ssh`.
public struct SSHObjectSigner: ObjectSigner {
    public let key: SSHPrivateKey
    public init(key: SSHPrivateKey) { self.key = key }
    public func armoredSignature(of payload: [UInt8]) throws -> String { try SSHSignature.sign(payload, with: key) }
    public func publicKeyBlob() throws -> [UInt8] { key.publicKey.blob }
}
