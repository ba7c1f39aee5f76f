import ArgumentParser
import AccordStore
import AccordObjects

struct MkTree: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "mktree",
        abstract: "Build a tree from 'ls-tree' lines on stdin ('<mode> <type> <id>\\t<name>'); print its id.")

    @Flag(help: "Allow entries whose objects are not in the repository.") var missing = false

    func execute() throws {
        let repo = try Session.repository()
        var reader = LineReader()
        var entries: [TreeEntry] = []
        var n = 0
        while let line = reader.next() {
            n += 1
            guard let tab = line.firstIndex(of: 0x09) else { throw StoreError.invalidInput("stdin line \(n): expected '<mode> <type> <id>\\t<name>'") }
            let fields = String(decoding: line[..<tab], as: UTF8.self).split(separator: " ")
            let name = Array(line[(tab + 1)...])
            guard fields.count == 3, let modeValue = UInt32(fields[0], radix: 8), let mode = FileMode(rawValue: modeValue),
                  let type = ObjectType(name: fields[1]), let id = ObjectID(hex: fields[2]) else {
                throw StoreError.invalidInput("stdin line \(n): bad mode, type or id in '\(String(decoding: line[..<tab], as: UTF8.self))'")
            }
            if mode != .gitlink, type != (mode.objectType ?? .commit) {
                throw StoreError.invalidInput("stdin line \(n): mode \(fields[0]) needs a \(mode.objectType ?? .commit), not a \(type)")
            }
            if !missing, mode != .gitlink {
                let actual = try repo.objects.header(id).type
                guard actual == type else { throw StoreError.wrongType(id, expected: type, actual: actual) }
            }
            entries.append(TreeEntry(mode: mode, name: name, id: id))
        }
        let tree = try Tree(entries: entries)
        Output.stdout.line(try repo.objects.write(.tree(tree)).hex)
        repo.objects.flush()
    }
}

struct LsTree: AccordCommand {
    static let configuration = CommandConfiguration(commandName: "ls-tree", abstract: "List a tree's entries.")

    @Flag(name: .customShort("r"), help: "Recurse into subtrees.") var recursive = false
    @Argument(help: "A tree, or a commit or tag that leads to one.") var treeish: String

    static func line(_ e: TreeEntry, prefix: String = "") -> [UInt8] {
        let mode = e.mode.octal
        let typeName = e.mode == .gitlink ? "commit" : (e.mode.objectType?.name ?? "blob")
        var out = Array((String(repeating: "0", count: max(0, 6 - mode.count)) + mode + " " + typeName + " ").utf8)
        e.id.appendHex(to: &out)
        out.append(0x09)
        out.append(contentsOf: prefix.utf8)
        out.append(contentsOf: e.name)
        out.append(0x0A)
        return out
    }

    func execute() throws {
        let repo = try Session.repository()
        let resolver = RevisionResolver(repository: repo)
        let root = try resolver.peel(try resolver.resolve(treeish), to: .tree)
        var stack: [(ObjectID, String)] = [(root, "")]
        while let (id, prefix) = stack.popLast() {
            for e in try repo.objects.readTree(id).entries {
                if recursive, e.mode == .directory {
                    stack.append((e.id, prefix + e.nameString + "/"))
                } else {
                    Output.stdout.write(LsTree.line(e, prefix: prefix))
                }
            }
        }
    }
}

struct CommitTree: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit-tree",
        abstract: "Create a commit of a tree (message from -m, or stdin); print its id. Moves no ref.")

    @Option(name: .customShort("p"), help: "A parent commit (repeatable).") var parents: [String] = []
    @Option(name: .customShort("m"), help: "The message (repeatable: one paragraph each).") var messages: [String] = []
    @Argument(help: "The tree.") var tree: String

    func execute() throws {
        let repo = try Session.repository()
        let resolver = RevisionResolver(repository: repo)
        let treeID = try resolver.peel(try resolver.resolve(tree), to: .tree)
        let parentIDs = try parents.map { try resolver.peel(try resolver.resolve($0), to: .commit) }
        var message = messages.isEmpty ? String(decoding: try LineReader.readAll(), as: UTF8.self)
            : messages.joined(separator: "\n\n") + "\n"
        if !message.isEmpty && !message.hasSuffix("\n") { message += "\n" }
        try repo.checkSigner()
        let commit = try repo.signing(Commit(tree: treeID, parents: parentIDs,
                                             author: try Session.identity("AUTHOR", repository: repo, required: true),
                                             committer: try Session.identity("COMMITTER", repository: repo, required: true),
                                             message: message))
        Output.stdout.line(try repo.objects.write(.commit(commit)).hex)
        repo.objects.flush()
    }
}
