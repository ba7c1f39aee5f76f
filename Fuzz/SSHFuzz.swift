// libFuzzer target: SSH keys and signatures (AccordSigning) and the organisation file
// (AccordTrust), every parser on each input: the bytes as a public key line
// (`SSHPublicKey(line:)`), as a key's wire blob (`SSHPublicKey(blob:)`), as an OpenSSH private
// key file (`SSHPrivateKey(openSSH:)`), as an armored SSHSIG signature (`SSHSignature.verify`,
// namespace git, over a fixed message), and as organisation.json (`Organisation(bytes:)`).
// Under the Crypto shim no signature verifies (verify must throw) and no Ed25519 seed loads
// (its initialiser throws), so a private key file is parsed up to and including its padding,
// then refused; a signature is parsed through its armor, blob, key, namespace, hash name and
// the 64-byte signature, then refused.
// Thrown errors are expected (typed: SigningError, TrustError); a crash, hang or sanitizer
// report is a finding, and so is a broken consistency check (each holds by construction):
//   - a key read from a line or a blob writes the same blob, and its line reads back to it;
//   - an organisation that parses, written with `encoded()`, parses back to itself, and its
//     encoding is then stable.
import AccordSigning
import AccordTrust

let message = Array("tree 0000000000000000000000000000000000000000000000000000000000000000\nauthor A <a@example.com> 0 +0000\n\nfuzz\n".utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)

    if let k = try? SSHPublicKey(line: text) {
        precondition((try? SSHPublicKey(blob: k.blob)) == k, "a key's blob does not read back to it")
        precondition((try? SSHPublicKey(line: k.line())) == k, "a key's line does not read back to it")
        precondition((try? SSHPublicKey(line: k.line(comment: "a@example.com"))) == k, "a key's line with a comment does not read back to it")
        _ = k.fingerprint
    }
    if let k = try? SSHPublicKey(blob: bytes) {
        precondition(k.blob == bytes, "a key blob of \(bytes.count) bytes is written as \(k.blob.count) other bytes")
    }

    if let k = try? SSHPrivateKey(openSSH: text) {
        // not reachable under the shim (no seed loads); kept for a build with real Ed25519
        _ = k.publicKey.fingerprint
    }

    do {
        let k = try SSHSignature.verify(text, of: message)
        preconditionFailure("a signature verified under the shim (key \(k.fingerprint))")
    } catch {
        _ = error.description
    }

    if let org = try? Organisation(bytes: bytes) {
        let e = org.encoded()
        guard let again = try? Organisation(bytes: e) else {
            preconditionFailure("an organisation, written with encoded(), does not parse")
        }
        precondition(again == org, "an organisation, written with encoded() and read again, differs")
        precondition(again.encoded() == e, "encoded() is not stable")
        for p in org.people {
            for line in p.keys.prefix(4) { if let k = try? SSHPublicKey(line: line) { _ = org.holder(of: k) } }
            _ = org.person(email: p.email)
        }
        for k in org.policies.keys.prefix(8) { _ = org.policy(k) }
    }
    return 0
}
