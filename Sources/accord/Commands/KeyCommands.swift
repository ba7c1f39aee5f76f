import ArgumentParser
import AccordSigning
import AccordObjects
import AccordStore
import Foundation

struct KeyCommand: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Your signing key: an Ed25519 key in OpenSSH's format that signs every commit and tag you write.",
        discussion: """
            The key is ACCORD_SIGNING_KEY (for one command), else user.signingKey (a path to an unencrypted OpenSSH ed25519 key, such as one made by \
            ssh-keygen -t ed25519 -N ''), else the key 'accord key generate' made under your config directory \
            ($XDG_CONFIG_HOME/accord/signing_key, XDG_CONFIG_HOME defaulting to ~/.config). Signatures are SSH \
            signatures in the gpgsig-sha256 header, as 'git commit -S' writes them with gpg.format=ssh, so \
            'git verify-commit' checks them given an allowed-signers file.
            """,
        subcommands: [KeyGenerate.self, KeyShow.self])
    func execute() throws {}
}

struct KeyGenerate: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Make a new signing key under your config directory (file mode 0600) and print its public key.")

    @Option(help: "The key's comment (default: user.email, else none).") var comment: String?
    @Flag(help: "Replace an existing key (the old one can no longer sign).") var force = false

    func execute() throws {
        let env = Session.environment
        let path = SigningKeys.defaultPath(env)
        if FileIO.exists(path) && !force {
            throw StoreError.alreadyExists("\(path): a signing key is there already (use --force to replace it)")
        }
        let email = (try? Session.repository())?.config.get("user.email")
        let key = SSHPrivateKey.generate(comment: comment ?? email ?? "")
        try FileIO.makeDirectories(FileIO.dirname(of: path))
        try FileIO.writeAtomically(path, Array(key.openSSH().utf8), mode: 0o600)
        try FileIO.writeAtomically(path + ".pub", Array((key.publicKey.line(comment: key.comment) + "\n").utf8), mode: 0o644)
        Output.stdout.line(key.publicKey.line(comment: key.comment))
    }
}

struct KeyShow: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print your public key and its fingerprint (SHA256:…, as ssh-keygen -l prints it).")

    @Flag(help: "Print the result as JSON.") var json = false

    func execute() throws {
        let env = Session.environment
        let config = (try? Session.repository())?.config ?? Config()
        guard let (path, source) = SigningKeys.configuredPath(config, env) else {
            throw StoreError.invalidInput("you have no signing key: make one with 'accord key generate', or set user.signingKey to an OpenSSH ed25519 key")
        }
        let key = try SigningKeys.load(path, source: source)
        let line = key.publicKey.line(comment: key.comment), fp = key.publicKey.fingerprint
        if json {
            Output.stdout.line(JSONText.object([("publicKey", .string(line)), ("fingerprint", .string(fp)), ("path", .string(path))]).rendered)
        } else {
            Output.stdout.line(line)
            Output.stdout.line("256 \(fp) \(key.comment.isEmpty ? "no comment" : key.comment) (ED25519)")
        }
    }
}

/// `verify-commit` and `verify-tag`: each object's SSH signature checked against its content,
/// the signing key printed as git prints it. Which keys belong to whom is the organisation's
/// data (`accord org show`; received commits are checked against it): this checks only that the
/// object is signed and unchanged since, as `git verify-commit` does.
struct VerifyCommit: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-commit",
        abstract: "Check the SSH signature of each commit; print the key that made it. Exit 1 if any is unsigned or bad.")
    @Argument(help: "Commits (ids, refs, contract numbers' refs such as refs/contracts/HT-1).") var revisions: [String]
    func execute() throws { try Verification.run(revisions, type: .commit) }
}

struct VerifyTag: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-tag",
        abstract: "Check the SSH signature of each annotated tag; print the key that made it. Exit 1 if any is unsigned or bad.")
    @Argument(help: "Tags (ids or refs).") var revisions: [String]
    func execute() throws { try Verification.run(revisions, type: .tag) }
}

enum Verification {
    static func run(_ revisions: [String], type: ObjectType) throws {
        let repo = try Session.repository()
        let resolver = RevisionResolver(repository: repo)
        var bad = false
        for rev in revisions {
            let id = try resolver.resolve(rev)
            let signature: (payload: [UInt8], armored: String)?
            switch type {
            case .tag:
                let (t, payload) = try repo.objects.read(id)
                guard t == .tag else { throw StoreError.wrongType(id, expected: .tag, actual: t) }
                signature = try Tag.decode(payload).signature
            default:
                signature = try repo.objects.readCommit(try resolver.peel(id, to: .commit)).signature
            }
            let what = Output.escaped(rev)
            guard let signature else {
                Output.stderr.write("error: \(what): no signature found\n"); bad = true; continue
            }
            do {
                let key = try SSHSignature.verify(signature.armored, of: signature.payload)
                Output.stderr.write("Good \"git\" signature with ED25519 key \(key.fingerprint) (\(what))\n")
            } catch {
                Output.stderr.write("error: \(what): \(Output.escaped("\(error)"))\n"); bad = true
            }
        }
        if bad { throw CheckFailed() }
    }
}
