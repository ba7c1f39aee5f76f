import ArgumentParser
import AccordContracts
import AccordMerge
import AccordObjects
import AccordSigning
import AccordStore
import AccordTrust

struct OrgCommand: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "org",
        abstract: "The organisation: people, their keys, roles and offices, and the policies, as signed versions on refs/accord/organisation.",
        discussion: """
            The first version ('accord org init', by the first administrator) is the root of trust; each later \
            version must be signed by an administrator of the version before it. Once a repository has an \
            organisation, every contract commit it writes or receives must be signed by an active key of a person \
            in it, in a role (and, for office-bound roles, an office) that person holds. See docs/trust.md.
            """,
        subcommands: [OrgInit.self, OrgShow.self, OrgPerson.self, OrgPolicy.self, OrgAllowedSigners.self])
    func execute() throws {}
}

/// What every org command that publishes a version needs: the repository, its current version,
/// and a signed publication under the user's identity.
struct OrgSession {
    let repository: Repository
    let store: OrganisationStore

    init() throws {
        repository = try Session.repository()
        store = OrganisationStore(repository: repository)
    }

    func current() throws -> OrgVersion {
        guard let h = try store.head() else {
            throw StoreError.invalidInput("this repository has no organisation yet: the first administrator creates it with 'accord org init'")
        }
        return try store.read(h)
    }

    /// Publishes `org` as the next version and prints its id.
    func publish(_ org: Organisation, summary: String, baseline: [String: ObjectID]? = nil) throws {
        let who = try Session.identity("AUTHOR", repository: repository, required: true)
        let id = try store.publish(org, baseline: baseline, summary: summary, author: who)
        Output.stderr.write("organisation version \(id.hex.prefix(12)): \(Output.escaped(summary))\n")
    }

    /// Role codes a person may hold: the contract roles and `administrator`.
    static func checkRoles(_ roles: [String]) throws {
        for r in roles where r != Organisation.administrator && Role(code: r) == nil {
            throw ValidationError("'\(r)' is not a role: use \(Organisation.administrator) or one of \(Role.choices)")
        }
    }

    /// A public key given as a line (`ssh-ed25519 AAAA… [comment]`) or as the path of a `.pub` file.
    static func key(_ arg: String) throws -> String {
        var text = arg
        if !arg.hasPrefix("ssh-"), FileIO.exists(arg) {
            guard let t = try FileIO.readString(arg) else { throw StoreError.invalidInput("cannot read the key file \(arg)") }
            text = t.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        do { return try SSHPublicKey(line: text).line() } catch { throw StoreError.invalidInput("key '\(Output.oneLine(String(arg.prefix(60))))': \(error)") }
    }

    /// Checks that `policies` read as the lifecycle and merge policies.
    static func checkPolicies(_ policies: [String: String]) throws {
        if let why = Organisation(name: "", policies: policies).policyProblem { throw ContractFailure(why) }
    }
}

struct OrgInit: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the organisation with yourself as its first administrator (the root of trust).",
        discussion: """
            Signs with your key. The contracts that exist now become the trusted baseline: their unsigned history \
            stays valid, every later commit must be signed. Policy settings in this repository's config \
            (accord.reviewStages, accord.approvers.*, accord.merge.* …) move into the organisation.
            """)
    @Option(help: "The organisation's name.") var name: String = "organisation"
    @Option(name: .customLong("role"), help: "A contract role you hold besides administrator (repeatable).") var roles: [String] = []
    @Option(name: .customLong("office"), help: "An office you belong to (repeatable).") var offices: [String] = []

    func validate() throws { try OrgSession.checkRoles(roles) }

    func execute() throws {
        let s = try OrgSession()
        if let h = try s.store.head() {
            throw StoreError.invalidInput("this repository already has an organisation (version \(h.hex.prefix(12)), root \((try s.store.chain().last ?? h).hex.prefix(12))); nothing was changed")
        }
        let who = try Session.identity("AUTHOR", repository: s.repository, required: true)
        guard let key = try SigningKeys.publicKey(s.repository.config, environment: Session.environment) else {
            throw StoreError.invalidInput("the first administrator signs the organisation: make a key first ('accord key generate') or set user.signingKey")
        }
        var policies: [String: String] = [:]
        for (k, v) in ContractStore.policyEntries(s.repository.config) { policies[k] = v }
        try OrgSession.checkPolicies(policies)
        var baseline: [String: ObjectID] = [:]
        for r in try s.repository.refs.list(prefix: "refs/contracts/") { baseline[String(r.name.dropFirst("refs/contracts/".count))] = r.id }
        var me = Organisation.Person(email: who.email, name: who.name, keys: [key.line()],
                                     roles: [Organisation.administrator] + roles.filter { $0 != Organisation.administrator }, offices: offices)
        me.active = true
        let org = Organisation(name: name, offices: offices, people: [me], policies: policies)
        try s.publish(org, summary: "adopt the organisation \(name): \(who.email) is its first administrator", baseline: baseline)
        for k in policies.keys.sorted() { _ = try s.repository.unsetConfig(k) }
        guard let root = try s.store.head() else { return }
        let out = Output.stdout
        out.line("organisation root \(root.hex)")
        out.line("administrator \(Output.escaped(who.email)) \(key.fingerprint)")
        out.line("baseline: \(baseline.count) contract\(baseline.count == 1 ? "" : "s") (their history so far is trusted unsigned)")
        if !policies.isEmpty { out.line("policies moved from the config: \(policies.keys.sorted().joined(separator: ", "))") }
    }
}

struct OrgShow: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the organisation: root, version, people, offices, policies.")
    @Flag(help: "Print the version's organisation.json, with its root and version ids.") var json = false

    func execute() throws {
        let s = try OrgSession()
        let v = try s.current()
        let root = try s.store.chain().last ?? v.id
        let org = v.organisation
        let out = Output.stdout
        if json {
            let body = String(decoding: org.encoded(), as: UTF8.self).dropLast()
            out.line("{\n  \"root\": \"\(root.hex)\",\n  \"version\": \"\(v.id.hex)\",\n  \"organisation\": \(body.replacingOccurrences(of: "\n", with: "\n  "))\n}")
            return
        }
        out.line("organisation \(Output.escaped(org.name))")
        out.line("root     \(root.hex)")
        out.line("version  \(v.id.hex)")
        if let pinned = try s.store.pinnedRoot(), pinned != root { out.line("warning: the pinned root is \(pinned.hex)") }
        out.line("offices  \(org.offices.map(Output.escaped).joined(separator: ", "))")
        out.line("")
        for p in org.people {
            out.line("\(p.active ? " " : "-") \(Output.escaped(p.name)) <\(Output.escaped(p.email))>\(p.active ? "" : " (revoked)")")
            out.line("    roles:   \(p.roles.joined(separator: ", "))")
            if !p.offices.isEmpty { out.line("    offices: \(p.offices.map(Output.escaped).joined(separator: ", "))") }
            for k in p.keys { out.line("    key:     \((try? SSHPublicKey(line: k))?.fingerprint ?? k)") }
            for k in p.revokedKeys { out.line("    revoked: \((try? SSHPublicKey(line: k))?.fingerprint ?? k)") }
        }
        if !org.policies.isEmpty {
            out.line("")
            for (k, v) in org.policies.sorted(by: { $0.key < $1.key }) { out.line("policy \(k) = \(Output.escaped(v))") }
        }
    }
}

struct OrgAllowedSigners: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "allowed-signers",
        abstract: "Print an allowed-signers file for 'git verify-commit' and 'ssh-keygen -Y verify' (gpg.ssh.allowedSignersFile).",
        discussion: "Every key of every person, revoked ones included (marked by a comment) so that old commits still verify; --active for only the keys that sign now.")
    @Flag(help: "Only keys that may sign now.") var active = false

    func execute() throws {
        let s = try OrgSession()
        let org = try s.current().organisation
        for p in org.people {
            for k in p.keys where p.active || !active { Output.stdout.line("\(p.email) namespaces=\"git\" \(k)") }
            if active { continue }
            for k in p.revokedKeys {
                Output.stdout.line("# revoked: signs nothing new")
                Output.stdout.line("\(p.email) namespaces=\"git\" \(k)")
            }
        }
    }
}

struct OrgPerson: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "person", abstract: "Add, change or revoke a person (administrators).",
        subcommands: [OrgPersonAdd.self, OrgPersonSet.self, OrgPersonRevoke.self])
    func execute() throws {}
}

struct OrgPersonAdd: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a person with their public key, roles and offices.")
    @Argument(help: "Their email (how commits and records name them).") var email: String
    @Option(help: "Their name.") var name: String
    @Option(name: .customLong("key"), help: "Their public key: 'ssh-ed25519 AAAA…' or a .pub file (repeatable).") var keys: [String]
    @Option(name: .customLong("role"), help: "A role they hold (repeatable).") var roles: [String]
    @Option(name: .customLong("office"), help: "An office of theirs (repeatable; new offices are added).") var offices: [String] = []

    func validate() throws { try OrgSession.checkRoles(roles) }

    func execute() throws {
        let s = try OrgSession()
        var org = try s.current().organisation
        if org.person(email: email) != nil { throw StoreError.invalidInput("\(email) is already a person of the organisation (change them with 'accord org person set'); nothing was changed") }
        let lines = try keys.map(OrgSession.key)
        for o in offices where !org.offices.contains(o) { org.offices.append(o) }
        org.people.append(Organisation.Person(email: email, name: name, keys: lines, roles: roles, offices: offices))
        try s.publish(org, summary: "add \(email) (\(roles.joined(separator: ", ")))")
    }
}

struct OrgPersonSet: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Change a person's name, roles, offices or keys.")
    @Argument(help: "Their email.") var email: String
    @Option(help: "A new name.") var name: String?
    @Option(name: .customLong("role"), help: "Their roles from now on (repeatable; replaces the list).") var roles: [String] = []
    @Option(name: .customLong("office"), help: "Their offices from now on (repeatable; replaces the list).") var offices: [String] = []
    @Option(name: .customLong("add-key"), help: "A public key to add.") var addKeys: [String] = []
    @Option(name: .customLong("revoke-key"), help: "A key that signs nothing new from now on (its line, .pub file or SHA256 fingerprint).") var revokeKeys: [String] = []

    func validate() throws { try OrgSession.checkRoles(roles) }

    func execute() throws {
        let s = try OrgSession()
        var org = try s.current().organisation
        guard let i = org.people.firstIndex(where: { $0.email.lowercased() == email.lowercased() }) else {
            throw StoreError.invalidInput("\(email) is not a person of the organisation (see 'accord org show')")
        }
        var p = org.people[i]
        var what: [String] = []
        if let name { p.name = name; what.append("name") }
        if !roles.isEmpty { p.roles = roles; what.append("roles \(roles.joined(separator: ","))") }
        if !offices.isEmpty {
            p.offices = offices; what.append("offices \(offices.joined(separator: ","))")
            for o in offices where !org.offices.contains(o) { org.offices.append(o) }
        }
        for k in try addKeys.map(OrgSession.key) where !p.keys.contains(k) {
            if org.people.contains(where: { $0.revokedKeys.contains(k) }) {
                throw StoreError.invalidInput("that key was revoked; a revoked key never signs again: make a new one ('accord key generate'); nothing was changed")
            }
            p.keys.append(k); what.append("a key")
        }
        for r in revokeKeys {
            let match = p.keys.firstIndex { $0 == r || (try? SSHPublicKey(line: $0))?.fingerprint == r } ?? (try? OrgSession.key(r)).flatMap { p.keys.firstIndex(of: $0) }
            guard let m = match else { throw StoreError.invalidInput("\(email) has no active key '\(Output.oneLine(r))'; nothing was changed") }
            p.revokedKeys.append(p.keys.remove(at: m)); what.append("revoke a key")
        }
        guard !what.isEmpty else { throw ValidationError("say what changes: --name, --role, --office, --add-key or --revoke-key") }
        org.people[i] = p
        try s.publish(org, summary: "\(email): \(what.joined(separator: "; "))")
    }
}

struct OrgPersonRevoke: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a person: none of their keys signs anything new (what they signed before stays valid).")
    @Argument(help: "Their email.") var email: String

    func execute() throws {
        let s = try OrgSession()
        var org = try s.current().organisation
        guard let i = org.people.firstIndex(where: { $0.email.lowercased() == email.lowercased() }) else {
            throw StoreError.invalidInput("\(email) is not a person of the organisation (see 'accord org show')")
        }
        guard org.people[i].active else { throw StoreError.invalidInput("\(email) is already revoked; nothing was changed") }
        org.people[i].active = false
        org.people[i].revokedKeys += org.people[i].keys
        org.people[i].keys = []
        try s.publish(org, summary: "revoke \(email)")
    }
}

struct OrgPolicy: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Set or remove an organisation policy (administrators).",
        discussion: "Keys: accord.reviewStages, accord.approvers.<stage>, accord.changeApprovers, accord.requiredApprovers.<stage>, accord.separationOfDuties, accord.frozenFromSubmission, accord.recorders.<kind>, accord.recordStatuses.<kind>, accord.merge.<selector>, accord.reminders.expiryDays, accord.performance.weights.",
        subcommands: [OrgPolicySet.self, OrgPolicyUnset.self])
    func execute() throws {}
}

struct OrgPolicySet: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Set a policy for every replica.")
    @Argument(help: "The policy key.") var key: String
    @Argument(help: "Its value.") var value: String

    func validate() throws {
        guard Organisation.isPolicyKey(key) else { throw ValidationError("'\(key)' is not a policy key (see 'accord org policy --help')") }
    }

    func execute() throws {
        let s = try OrgSession()
        var org = try s.current().organisation
        org.policies[key.lowercased()] = value
        try OrgSession.checkPolicies(org.policies)
        try s.publish(org, summary: "policy \(key) = \(Output.oneLine(value))")
    }
}

struct OrgPolicyUnset: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "unset", abstract: "Remove a policy (its default applies again).")
    @Argument(help: "The policy key.") var key: String

    func execute() throws {
        let s = try OrgSession()
        var org = try s.current().organisation
        guard org.policies.removeValue(forKey: key.lowercased()) != nil else { throw StoreError.invalidInput("the policy \(key) is not set; nothing was changed") }
        try s.publish(org, summary: "policy \(key) removed")
    }
}
