import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts
import AccordTrust

/// Opens the contract store and says who is acting (user.name, user.email, user.role, user.office;
/// ACCORD_ROLE and ACCORD_OFFICE override the last two).
struct ContractSession {
    let repository: Repository
    let store: ContractStore

    init() throws {
        repository = try Session.repository()
        do { store = try ContractStore(repository: repository) } catch { throw ContractFailure(error) }
    }

    func actor() throws -> (Actor, Identity) {
        let who = try Session.identity("AUTHOR", repository: repository, required: true)
        // An empty ACCORD_ROLE or ACCORD_OFFICE (a script's unset variable) is as if not set.
        let env = Session.environment.filter { !($0.key == "ACCORD_ROLE" || $0.key == "ACCORD_OFFICE") || !$0.value.isEmpty }
        // Under an organisation, the person the signing key belongs to: their only role and
        // office are the defaults (a role or office they do not hold is refused at commit).
        var person: Organisation.Person?
        var unknownKey: String?
        if let a = store.authority, let key = try SigningKeys.publicKey(repository.config, environment: Session.environment) {
            person = a.head.organisation.holder(of: key)?.person
            if person == nil { unknownKey = key.fingerprint }
        }
        let roles = person?.roles.filter { $0 != Organisation.administrator } ?? []
        guard let roleName = env["ACCORD_ROLE"] ?? repository.config.get("user.role") ?? (roles.count == 1 ? roles[0] : nil) else {
            if person != nil {
                throw StoreError.invalidInput("you hold several roles in the organisation (\(roles.joined(separator: ", "))); say which you act in: ACCORD_ROLE=ROLE, or accord config user.role ROLE")
            }
            if let a = store.authority {
                throw StoreError.invalidInput(unknownKey.map { "your signing key \($0) belongs to no person of this repository's organisation (version \(a.head.id.hex.prefix(12))): an administrator adds it with 'accord org person add' or 'accord org person set EMAIL --add-key'" }
                    ?? "this repository's organisation requires every commit to be signed, and no signing key is set: run 'accord key generate', or set user.signingKey, and have an administrator add the public key")
            }
            throw StoreError.invalidInput("""
                your role is not set; set it (and your office) first:
                  accord config user.role salesRep      (one of: \(Role.choices))
                  accord config user.office 华东办事处
                """)
        }
        guard let role = Role(code: roleName) else {
            throw StoreError.invalidInput("\(env["ACCORD_ROLE"] != nil ? "ACCORD_ROLE" : "user.role") '\(Output.oneLine(roleName))' is not a role; use one of: \(Role.choices)")
        }
        let onlyOffice = person.flatMap { $0.offices.count == 1 ? $0.offices[0] : nil }
        let office = env["ACCORD_OFFICE"] ?? repository.config.get("user.office") ?? onlyOffice ?? ""
        return (Actor(name: who.name, email: who.email, role: role, office: office, replica: repository.replicaID ?? "unknown"), who)
    }

    /// The committer: `ACCORD_COMMITTER_NAME/EMAIL/DATE` over `user.name`/`user.email`
    /// (docs/format.md); the author's overrides do not set it.
    /// With neither set, the committer is the author.
    func committer(author: Identity) throws -> Identity {
        var c = try Session.identity("COMMITTER", repository: repository, required: false)
        let env = Session.environment
        if env["ACCORD_COMMITTER_NAME"] == nil, repository.config.get("user.name") == nil { c.name = author.name }
        if env["ACCORD_COMMITTER_EMAIL"] == nil, repository.config.get("user.email") == nil { c.email = author.email }
        return c
    }

    /// Commits a change and prints warnings; returns the new commit id.
    @discardableResult
    func commit(_ change: ContractStore.Change, parent: Snapshot?) throws -> ObjectID {
        do {
            let (id, warnings) = try store.commit(change, parent: parent)
            for w in warnings { Output.stderr.write(Output.stderr.paint("warning:", "33") + " \(Output.escaped(w))\n") }
            return id
        } catch { throw ContractFailure(error) }
    }

    func load(_ number: String, at rev: String? = nil) throws -> Snapshot {
        do { return try store.load(number, at: rev) } catch { throw ContractFailure(error) }
    }

    /// Now, as the record timestamp (UTC, seconds).
    static func timestamp(_ who: Identity) -> String {
        var utc = who; utc.offsetMinutes = 0
        let iso = DateText.iso(utc)
        return String(iso.prefix(19)) + "Z"
    }
}

/// A contract error as a CLI failure (exit 128, message says the field and the rule).
struct ContractFailure: Error, CustomStringConvertible {
    let description: String
    init(_ e: ContractStoreError) { description = e.description }
    init(_ e: ContractError) { description = e.description }
    init(_ s: String) { description = s }
}
