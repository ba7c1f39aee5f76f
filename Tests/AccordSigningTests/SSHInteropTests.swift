import AccordObjects
import AccordSigning
import Foundation
import Testing

/// Keys and signatures checked against OpenSSH's own `ssh-keygen`: a key Accord makes is read
/// by ssh-keygen (same public key, same fingerprint), a key ssh-keygen makes is read by Accord,
/// and each verifies the other's signatures.
@Suite struct SSHInteropTests {
    static let sshKeygen = "/usr/bin/ssh-keygen"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: sshKeygen) }

    final class Dir: @unchecked Sendable {
        let path = FileManager.default.temporaryDirectory.path + "/accord-ssh-" + UUID().uuidString
        init() { try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func write(_ name: String, _ text: String, mode: Int = 0o600) -> String {
            let p = "\(path)/\(name)"
            FileManager.default.createFile(atPath: p, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
            return p
        }
    }

    /// Runs ssh-keygen; (status, stdout + stderr).
    static func keygen(_ args: [String], stdin: String? = nil) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: sshKeygen)
        p.arguments = args
        let out = Pipe(), input = Pipe()
        p.standardOutput = out; p.standardError = out; p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: available, "needs ssh-keygen"))
    func accordKeyIsReadBySSHKeygen() throws {
        let d = Dir()
        let key = SSHPrivateKey.generate(comment: "ann@example.com")
        let file = d.write("id", key.openSSH())
        let (st, pub) = try Self.keygen(["-y", "-f", file])
        #expect(st == 0, "\(pub)")
        #expect(pub.hasPrefix(key.publicKey.line()), "\(pub) vs \(key.publicKey.line())")
        let (st2, fp) = try Self.keygen(["-l", "-f", file])
        #expect(st2 == 0 && fp.contains(key.publicKey.fingerprint) && fp.contains("ann@example.com") && fp.contains("(ED25519)"), "\(fp)")
        // And read back by Accord: the same key.
        let again = try SSHPrivateKey(openSSH: key.openSSH())
        #expect(again.publicKey == key.publicKey && again.comment == "ann@example.com")
    }

    @Test(.enabled(if: available, "needs ssh-keygen"))
    func sshKeygenKeyIsReadAndSignaturesCrossVerify() throws {
        let d = Dir()
        let file = "\(d.path)/key"
        let (st, out) = try Self.keygen(["-q", "-t", "ed25519", "-N", "", "-C", "bo@example.com", "-f", file])
        #expect(st == 0, "\(out)")
        let key = try SSHPrivateKey(openSSH: String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self))
        let pubLine = String(decoding: try Data(contentsOf: URL(fileURLWithPath: file + ".pub")), as: UTF8.self)
        #expect(try SSHPublicKey(line: pubLine) == key.publicKey)
        #expect(key.comment == "bo@example.com")
        let allowed = d.write("allowed", "bo@example.com \(pubLine)")
        let message = "tree abc\n合同 HT-2026-001\n"
        // Accord signs, ssh-keygen verifies.
        let sig = d.write("msg.sig", try SSHSignature.sign(Array(message.utf8), with: key))
        let (vst, vout) = try Self.keygen(["-Y", "verify", "-f", allowed, "-I", "bo@example.com", "-n", "git", "-s", sig], stdin: message)
        #expect(vst == 0, "\(vout)")
        // A changed message, or another namespace, does not verify.
        #expect(try Self.keygen(["-Y", "verify", "-f", allowed, "-I", "bo@example.com", "-n", "git", "-s", sig], stdin: message + "x").0 != 0)
        #expect(try Self.keygen(["-Y", "verify", "-f", allowed, "-I", "bo@example.com", "-n", "file", "-s", sig], stdin: message).0 != 0)
        // ssh-keygen signs, Accord verifies and names the key.
        let msgFile = d.write("m", message)
        let (sst, sout) = try Self.keygen(["-Y", "sign", "-f", file, "-n", "git", msgFile])
        #expect(sst == 0, "\(sout)")
        let theirs = String(decoding: try Data(contentsOf: URL(fileURLWithPath: msgFile + ".sig")), as: UTF8.self)
        #expect(try SSHSignature.verify(theirs, of: Array(message.utf8)) == key.publicKey)
        #expect(throws: SigningError.self) { try SSHSignature.verify(theirs, of: Array((message + "x").utf8)) }
        #expect(throws: SigningError.self) { try SSHSignature.verify(theirs, of: Array(message.utf8), namespace: "file") }
    }

    @Test(.enabled(if: available, "needs ssh-keygen"))
    func encryptedAndOtherKeysAreRefusedWithTheReason() throws {
        let d = Dir()
        let enc = "\(d.path)/enc", rsa = "\(d.path)/rsa"
        _ = try Self.keygen(["-q", "-t", "ed25519", "-N", "secret", "-f", enc])
        _ = try Self.keygen(["-q", "-t", "rsa", "-b", "1024", "-N", "", "-f", rsa])
        let read = { (p: String) in String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: p))) ?? Data(), as: UTF8.self) }
        #expect { try SSHPrivateKey(openSSH: read(enc)) } throws: { "\($0)".contains("passphrase") }
        #expect { try SSHPrivateKey(openSSH: read(rsa)) } throws: { "\($0)".contains("ssh-ed25519") }
        #expect { try SSHPrivateKey(openSSH: "not a key") } throws: { "\($0)".contains("OpenSSH") }
    }

    /// A signed commit: the signature is the last header, the payload is the commit without it,
    /// and a change anywhere breaks it.
    @Test func signedCommitVerifiesAndTamperingIsCaught() throws {
        let key = SSHPrivateKey.generate(comment: "")
        let who = Identity(name: "Ann", email: "ann@example.com", seconds: 1_700_000_000, offsetMinutes: 480)
        let tree = try #require(ObjectID(hex: String(repeating: "ab", count: 32)))
        let commit = try Commit(tree: tree, parents: [], author: who, committer: who, message: "合同\n").signed(by: SSHObjectSigner(key: key))
        #expect(commit.extraHeaders.last?.key == "gpgsig-sha256")
        let decoded = try Commit.decode(commit.encoded())
        let (payload, armored) = try #require(decoded.signature)
        #expect(try SSHSignature.verify(armored, of: payload) == key.publicKey)
        var tampered = decoded
        tampered.message = Array("合同!\n".utf8)
        let t = try #require(tampered.signature)
        #expect(throws: SigningError.self) { try SSHSignature.verify(t.armored, of: t.payload) }
        // Tags carry the signature at the end of the message.
        let tag = try Tag(object: tree, targetType: .commit, name: "HT-1/v1", tagger: who, message: "v1\n").signed(by: SSHObjectSigner(key: key))
        let ts = try #require(try Tag.decode(tag.encoded()).signature)
        #expect(try SSHSignature.verify(ts.armored, of: ts.payload) == key.publicKey)
        #expect(String(decoding: ts.payload, as: UTF8.self).hasSuffix("\n\nv1\n"))
    }
}
