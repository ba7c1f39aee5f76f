import ArgumentParser
import AccordStore
import AccordObjects
#if canImport(Glibc)
import Glibc
#endif

/// A short tour on embedded data in a temporary directory: what the store does, checked by itself.
struct Demo: AccordCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a short demonstration in a temporary directory (nothing outside it is touched).")

    @Flag(help: "Keep the temporary repository and print its path.") var keep = false

    func execute() throws {
        var template = Array("/tmp/accord-demo-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw StoreError.io(op: "create temp dir", path: "/tmp", errno: errno) }
        let dir = String(cString: made)
        defer { if !keep { _ = try? removeTree(dir) } }
        let out = Output.stdout
        func step(_ s: String) { out.line(out.paint("==> ", "36") + s) }

        step("accord init \(dir)")
        let repo = try Repository.create(at: dir, bare: false)
        out.line("    replica id \(repo.replicaID ?? "?"), git dir \(repo.gitDir)")

        step("three revisions of contract HT-2026-001, each a commit on refs/contracts/HT-2026-001")
        let who = Identity(name: "Li Wei", email: "li.wei@example.com", seconds: 1_795_000_000, offsetMinutes: 480)
        var parent: ObjectID?
        let amounts = ["120000.00", "125000.00", "125000.00"]
        let statuses = ["draft", "draft", "initialReview"]
        for (i, amount) in amounts.enumerated() {
            let json = """
            {
              "buyer": { "name": "华东机械有限公司" },
              "number": "HT-2026-001",
              "status": "\(statuses[i])",
              "totalAmount": "\(amount)"
            }

            """
            let blob = try repo.objects.write(type: .blob, payload: Array(json.utf8))
            let tree = try repo.objects.write(.tree(try Tree(entries: [TreeEntry(mode: .regular, name: "contract.json", id: blob)])))
            var when = who; when.seconds += Int64(i) * 3600
            let messages = ["Create contract HT-2026-001", "totalAmount: 120000.00 → 125000.00", "Submit for initial review"]
            let commit = try repo.objects.write(.commit(Commit(tree: tree, parents: parent.map { [$0] } ?? [], author: when, committer: when,
                                                               message: messages[i] + "\n")))
            repo.objects.flush()
            try repo.refs.update("refs/contracts/HT-2026-001", to: commit, expected: parent.map { .value($0) } ?? .absent,
                                 who: when, message: messages[i])
            parent = commit
            out.line("    \(commit.hex.prefix(12)) \(messages[i])")
        }

        step("a stale write loses: update-ref with the wrong old value")
        do {
            try repo.refs.update("refs/contracts/HT-2026-001", to: parent ?? .zero, expected: .absent, who: who, message: "race")
        } catch { out.line("    refused: \(error)") }

        step("history from the commit graph")
        var history = History(objects: repo.objects)
        for id in try history.walk(from: [parent ?? .zero]) {
            out.line("    \(id.hex.prefix(12)) \(try history.commit(id).summary)")
        }

        step("accord fsck")
        let problems = Fsck(repository: repo).run()
        out.line(problems.isEmpty ? "    clean: every object hash-verified, every link and ref checked" : problems.map(\.description).joined(separator: "\n"))

        if FileIO.exists("/usr/bin/git") || FileIO.exists("/usr/local/bin/git") {
            step("stock git reads the same repository: git --git-dir \(repo.gitDir) log --oneline refs/contracts/HT-2026-001")
            out.flush()
            _ = system("git --git-dir '\(repo.gitDir)' log --oneline refs/contracts/HT-2026-001 | sed 's/^/    /'")
            step("git fsck --strict")
            out.flush()
            _ = system("git --git-dir '\(repo.gitDir)' fsck --strict --no-progress && echo '    git fsck: clean'")
        }
        if keep { out.line("Kept \(dir)") }
    }

    func removeTree(_ path: String) throws {
        for name in FileIO.list(path) {
            let p = "\(path)/\(name)"
            if FileIO.isDirectory(p) { try removeTree(p) } else { unlink(p) }
        }
        rmdir(path)
    }
}
