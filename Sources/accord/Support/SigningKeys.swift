import AccordSigning
import AccordObjects
import AccordStore
import Foundation

/// Where the user's signing key is: `user.signingKey` (a path to an unencrypted OpenSSH ed25519
/// key, `~/` allowed) or the key `accord key generate` made under the user's config directory.
enum SigningKeys {
    /// `$XDG_CONFIG_HOME/accord/signing_key` (XDG_CONFIG_HOME defaults to ~/.config).
    static func defaultPath(_ env: [String: String]) -> String {
        let config = env["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(env["HOME"] ?? "")/.config"
        return "\(config)/accord/signing_key"
    }

    static func expand(_ path: String, _ env: [String: String]) -> String {
        path.hasPrefix("~/") ? (env["HOME"] ?? "") + path.dropFirst() : path
    }

    /// The configured key's path and where the setting came from; nil when there is none.
    /// `ACCORD_SIGNING_KEY` (one command, as another person on a shared machine) over
    /// `user.signingKey` over the generated key.
    static func configuredPath(_ config: Config, _ env: [String: String]) -> (path: String, source: String)? {
        if let p = env["ACCORD_SIGNING_KEY"], !p.isEmpty { return (expand(p, env), "ACCORD_SIGNING_KEY") }
        if let p = config.get("user.signingkey"), !p.isEmpty { return (expand(p, env), "user.signingKey") }
        let d = defaultPath(env)
        return FileIO.exists(d) ? (d, "the key made by 'accord key generate'") : nil
    }

    /// Reads the key at `path`, naming the file and the reason when it cannot be used.
    static func load(_ path: String, source: String) throws -> SSHPrivateKey {
        let text: String?
        do { text = try FileIO.readString(path) } catch { throw SigningError.io("cannot read the signing key \(path) (\(source)): \(error)") }
        guard let text else { throw SigningError.io("the signing key \(path) (\(source)) does not exist; make one with 'accord key generate'") }
        do { return try SSHPrivateKey(openSSH: text) } catch { throw SigningError.io("the signing key \(path) (\(source)): \(error)") }
    }

    /// The public half of the configured key (nil: none configured).
    static func publicKey(_ config: Config, environment: [String: String]) throws -> SSHPublicKey? {
        guard let (path, source) = configuredPath(config, environment) else { return nil }
        return try load(path, source: source).publicKey
    }

    /// A signer that reads the key the first time it signs, so that a command that writes
    /// nothing (or the `accord config` that fixes user.signingKey) never needs it.
    static func signer(_ config: Config, environment: [String: String]) -> (any ObjectSigner)? {
        configuredPath(config, environment).map { LazySigner(path: $0.path, source: $0.source) }
    }

    final class LazySigner: ObjectSigner, @unchecked Sendable {
        let path: String, source: String
        private let lock = NSLock()
        private var key: SSHPrivateKey?
        init(path: String, source: String) { self.path = path; self.source = source }

        func armoredSignature(of payload: [UInt8]) throws -> String { try SSHSignature.sign(payload, with: try loaded()) }
        func ready() throws { _ = try loaded() }
        func publicKeyBlob() throws -> [UInt8] { try loaded().publicKey.blob }

        private func loaded() throws -> SSHPrivateKey {
            lock.lock(); defer { lock.unlock() }
            let k = try key ?? SigningKeys.load(path, source: source)
            key = k
            return k
        }
    }
}
