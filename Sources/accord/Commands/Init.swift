import ArgumentParser
import AccordContracts
import AccordStore
import AccordTrust

struct Init: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create an empty repository (a git SHA-256 repository in DIR/.accord, or DIR itself with --bare).")

    @Flag(help: "Make DIR itself the repository (for a hub or a backup), with no .accord/ inside.")
    var bare = false

    @Option(name: .customLong("replica-id"), help: "The replica id to record (default: a new random UUID).")
    var replicaID: String?

    @Flag(name: .shortAndLong, help: "Print nothing on success.")
    var quiet = false

    @Argument(help: "Where to create it (default: the current directory).")
    var directory: String?

    func execute() throws {
        let cwd = Session.cwd()
        var dir = directory ?? cwd
        if !dir.hasPrefix("/") { dir = cwd + "/" + dir }
        if let replicaID, replicaID.isEmpty || replicaID.contains(where: { $0.isWhitespace || $0 == "\"" }) {
            throw StoreError.invalidInput("--replica-id must be non-empty, without spaces or quotes")
        }
        let repo = try Repository.create(at: dir, bare: bare, replicaID: replicaID ?? UUID4.random())
        if !quiet { Output.stdout.line("Initialized empty Accord repository in \(repo.gitDir)/") }
    }
}

struct ConfigCommand: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Get or set a repository setting (git config syntax: section.key).")

    @Flag(name: .shortAndLong, help: "List every setting.")
    var list = false

    @Flag(help: "Remove the setting (every value of it).") var unset = false
    @Argument(help: "The setting, such as user.name.") var key: String?
    @Argument(help: "The new value; without it, print the current one.") var value: String?

    func validate() throws {
        if unset, value != nil { throw ValidationError("--unset takes only the setting's name") }
        if unset, list { throw ValidationError("--unset and --list do not go together") }
    }

    func execute() throws {
        let repo = try Session.repository()
        if list {
            for e in repo.config.entries {
                let name = [e.section, e.subsection, e.key].compactMap { $0 }.joined(separator: ".")
                Output.stdout.line(Output.escaped("\(name)=\(e.value)"))
            }
            return
        }
        guard let key else { throw ValidationError("name a setting, such as user.name, or use --list") }
        try Config.validateName(key) // as git config does; values are checked when set
        if unset {
            guard try repo.unsetConfig(key) else { throw CheckFailed() } // not set: exit 1, as for a missing value
        } else if let value {
            if Organisation.isPolicyKey(key), let org = try OrganisationStore(repository: repo).head() {
                throw StoreError.invalidInput("\(key) is a policy of this repository's organisation (version \(org.hex.prefix(12))), not a local setting: an administrator changes it for everyone with 'accord org policy set \(key) VALUE'; nothing was changed")
            }
            if key.lowercased() == "user.role", Role(code: value) == nil {
                throw StoreError.invalidInput("user.role '\(Output.oneLine(value))' is not a role; use one of: \(Role.choices); nothing was changed")
            }
            try repo.setConfig(key, value)
        } else {
            guard let v = repo.config.get(key) else { throw CheckFailed() }
            Output.stdout.line(v)
        }
    }
}
