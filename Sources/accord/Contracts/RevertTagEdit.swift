import ArgumentParser
import AccordStore
import AccordObjects
import AccordContracts
#if canImport(Glibc)
import Glibc
#endif

struct Revert: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "revert", abstract: "Undo the field changes one commit made to a contract, as a new commit.",
        discussion: "Records are append-only and status moves only through the lifecycle, so a commit that added records or changed status cannot be reverted; a field changed again since is refused (set it by hand).")

    @Option(name: .customLong("change-agreement"), help: "The approved change agreement (for frozen fields of a signed contract).") var changeAgreement: String?
    @Argument(help: "The contract number.") var number: String
    @Argument(help: "The commit to undo.") var revision: String

    func execute() throws {
        let s = try ContractSession()
        let (actor, who) = try s.actor()
        let head = try s.load(number)
        let target = try s.load(number, at: revision)
        var history = History(objects: s.repository.objects)
        guard try history.isAncestor(target.commit, of: head.commit) else {
            throw ContractFailure("\(revision) is not in the history of \(number)")
        }
        guard let parentID = try history.commit(target.commit).parents.first else {
            throw ContractFailure("\(revision) created \(number); use 'accord cancel' instead of reverting its creation")
        }
        let parent = try ContractFailure.wrap { () throws(ContractStoreError) in try s.store.load(commit: parentID) }
        let changes = FieldDiff.diff(parent.state, target.state)
        if changes.contains(where: { $0.path.hasPrefix("records[") }) {
            throw ContractFailure("\(revision) added records; records are never removed: add a record that supersedes it instead")
        }
        if changes.contains(where: { $0.path == "status" }) {
            throw ContractFailure("\(revision) changed the status; the lifecycle moves only forward through its commands")
        }
        guard !changes.isEmpty else { throw ContractFailure("\(revision) changed no contract field") }
        let current = FieldPath.flatten(head.state.contract.json)
        var doc = head.state.contract.json
        for c in changes {
            guard current[c.path] == c.new else {
                throw ContractFailure(ContractError(c.path, "has changed since \(revision) (now \(FieldDiff.show(current[c.path]))); set it by hand"))
            }
            do { doc = try FieldPath.set(c.path, to: c.old, in: doc) } catch { throw ContractFailure(error) }
        }
        let summary = try history.commit(target.commit).summary
        try ContractChange.commit(s, head, contract: try DocumentInput.editedContract(doc), records: head.state.records, actor: actor, who: who,
                                  message: "Revert \"\(summary)\" (\(target.commit.hex.prefix(12)))", changeAgreement: changeAgreement)
    }
}

struct TagCommand: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Name a version of a contract (an annotated tag at refs/tags/NUMBER/NAME); without NAME, list its tags.")

    @Option(name: .shortAndLong, help: "The tag message.") var message: String?
    @Argument(help: "The contract number.") var number: String
    @Argument(help: "The tag name, such as signed-original.") var name: String?
    @Argument(help: "The version to tag (default: the current one).") var revision: String?

    func execute() throws {
        let s = try ContractSession()
        let prefix = "refs/tags/\(number)/"
        guard let name else {
            for (ref, id) in try s.repository.refs.list(prefix: prefix) {
                let target = (try? s.repository.objects.readTag(id).object) ?? id
                Output.stdout.line("\(ref.dropFirst(prefix.count)) \(target.hex.prefix(12))")
            }
            return
        }
        let snap = try s.load(number, at: revision)
        let ref = prefix + name
        try RefName.validate(ref)
        let (_, who) = try s.actor()
        // Refuse before writing the tag object, so a refusal leaves nothing behind.
        if try s.repository.refs.resolve(ref) != nil {
            throw ContractFailure("tag '\(number)/\(name)' already exists (\(ref)); choose another name")
        }
        let tag = try s.repository.signing(Tag(object: snap.commit, targetType: .commit, name: "\(number)/\(name)", tagger: who,
                                               message: (message ?? "\(number) \(name)") + "\n"))
        let id = try s.repository.objects.write(.tag(tag))
        s.repository.objects.flush()
        try s.repository.refs.update(ref, to: id, expected: .absent, who: who, message: "tag \(number)/\(name)")
    }
}

struct EditCommand: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Edit a contract in $EDITOR (VISUAL, EDITOR, or vi); it is validated on save and committed.",
        discussion: "An invalid file re-opens with the error at the top and your text kept. Save it unchanged or empty to abort.")

    @Option(name: .customLong("change-agreement"), help: "The approved change agreement (for frozen fields of a signed contract).") var changeAgreement: String?
    @Option(name: .shortAndLong, help: "Commit message.") var message: String?
    @Argument(help: "The contract number.") var number: String

    func execute() throws {
        let s = try ContractSession()
        let (actor, who) = try s.actor()
        let snap = try s.load(number)
        let env = Session.environment
        let editor = env["VISUAL"].flatMap { $0.isEmpty ? nil : $0 } ?? env["EDITOR"].flatMap { $0.isEmpty ? nil : $0 } ?? "vi"
        let original = snap.state.contract.canonicalJSON
        let path = "\(s.repository.gitDir)/EDIT_CONTRACT_\(number).json"
        var text = original
        var problem: String?
        while true {
            let header = (problem.map { "# error: \($0.replacingOccurrences(of: "\n", with: "\n# "))\n" } ?? "")
                + "# Editing \(number). Lines starting with '#' are ignored. Save unchanged or empty to abort.\n"
            try FileIO.writeAtomically(path, Array((header + text).utf8))
            let rc = EditCommand.runEditor(editor, path)
            guard rc == 0 else { FileIO.remove(path); throw ContractFailure("the editor '\(editor)' failed (exit \(rc)); nothing changed") }
            guard let bytes = try FileIO.readRegularFile(path, limit: 16 << 20, what: "the edited contract") else { throw ContractFailure("the edited file disappeared; nothing changed") }
            let before = text
            text = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("#") }.joined(separator: "\n")
            if let problem, text == before {
                // Saved without fixing the error: stop rather than re-open forever; keep the text.
                throw ContractFailure("\(problem)\nnothing committed; your text is kept in \(path)")
            }
            if text.allSatisfy(\.isWhitespace) || text == original {
                FileIO.remove(path)
                Output.stderr.write("no change; nothing committed\n")
                return
            }
            do {
                let contract = try Contract(json: Contract.droppingDerived(try JSON.parse(text)))
                try ContractChange.commit(s, snap, contract: contract, records: snap.state.records, actor: actor, who: who,
                                          message: message, changeAgreement: changeAgreement)
                FileIO.remove(path)
                return
            } catch let e as JSON.ParseError { problem = "not valid JSON: \(e)" }
            catch let e as ContractError { problem = e.description }
            catch let e as ContractFailure { problem = e.description }
        }
    }
}

extension EditCommand {
    /// Runs the editor on `path` as git does: `sh -c '<editor> "$@"' <editor> <path>`, so
    /// $EDITOR may hold arguments (`code --wait`) and the path is passed as an argument, never
    /// pasted into the command line (a path with a quote or a `$` in it stays one argument).
    /// Returns the editor's exit status (128 + the signal if it was killed; -1 if it could not start).
    static func runEditor(_ editor: String, _ path: String) -> Int32 {
        let args = ["sh", "-c", "\(editor) \"$@\"", editor, path]
        let argv = args.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        Output.stdout.flush()
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 { if errno != EINTR { return -1 } }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }
}
