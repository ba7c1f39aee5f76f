/// Signs the payload of a commit or tag, the object's bytes without any signature, and returns
/// the armored signature (for SSH keys `-----BEGIN SSH SIGNATURE-----` … as `ssh-keygen -Y sign`
/// writes it). Implemented by AccordSigning; kept abstract here so objects need no cryptography.
public protocol ObjectSigner: Sendable {
    func armoredSignature(of payload: [UInt8]) throws -> String
    /// Throws if signing would fail (no usable key): writers call it before they write any
    /// object, so a refused commit leaves nothing behind.
    func ready() throws
    /// The public key signatures are made with, in its wire form (for SSH keys the
    /// `string "ssh-ed25519", string key` blob), so a writer can check whose it is first.
    func publicKeyBlob() throws -> [UInt8]
}

extension ObjectSigner {
    public func ready() throws {}
}

extension Commit {
    /// The header git keeps a SHA-256 repository's commit signature in (`git commit -S`).
    public static let signatureHeader = "gpgsig-sha256"

    /// This commit signed by `signer`: every signature header removed, the rest signed, and the
    /// signature added as the last header, where git puts it.
    public func signed(by signer: any ObjectSigner) throws -> Commit {
        var c = self
        c.extraHeaders.removeAll { $0.key.hasPrefix("gpgsig") }
        var armored = try signer.armoredSignature(of: c.encoded())
        while armored.hasSuffix("\n") { armored.removeLast() }
        c.extraHeaders.append(ExtraHeader(key: Self.signatureHeader, value: Array(armored.utf8)))
        return c
    }

    /// The signed payload and the armored signature, as git's `verify-commit` reads them (the
    /// payload is the commit without any `gpgsig*` header); nil for an unsigned commit.
    public var signature: (payload: [UInt8], armored: String)? {
        guard let h = extraHeaders.first(where: { $0.key == Self.signatureHeader }) else { return nil }
        var unsigned = self
        unsigned.extraHeaders.removeAll { $0.key.hasPrefix("gpgsig") }
        return (unsigned.encoded(), String(decoding: h.value, as: UTF8.self) + "\n")
    }
}

extension Tag {
    static let signatureStart = Array("-----BEGIN SSH SIGNATURE-----".utf8)

    /// This tag signed by `signer`: the signature appended to the message, as `git tag -s` does.
    public func signed(by signer: any ObjectSigner) throws -> Tag {
        var t = self
        if let unsigned = signature?.payload, let back = try? Tag.decode(unsigned) { t = back } // re-signing
        var armored = try signer.armoredSignature(of: t.encoded())
        if !armored.hasSuffix("\n") { armored += "\n" }
        t.message += Array(armored.utf8)
        t.headersOnly = false
        return t
    }

    /// The signed payload (the tag up to its signature) and the armored signature; nil when the
    /// message holds no SSH signature at the start of a line.
    public var signature: (payload: [UInt8], armored: String)? {
        let bytes = encoded()
        let start = Tag.signatureStart
        var i = bytes.count - start.count
        while i >= 0 {
            if (i == 0 || bytes[i - 1] == 0x0A) && bytes[i..<(i + start.count)].elementsEqual(start) {
                return (Array(bytes[..<i]), String(decoding: bytes[i...], as: UTF8.self))
            }
            i -= 1
        }
        return nil
    }
}
