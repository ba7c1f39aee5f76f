import ArgumentParser
import AccordStore
import AccordObjects

struct CatFile: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat-file", abstract: "Print an object's content, type or size (every read is hash-verified).")

    @Flag(name: .customShort("p"), help: "Pretty-print the object.") var pretty = false
    @Flag(name: .customShort("t"), help: "Print the object's type.") var showType = false
    @Flag(name: .customShort("s"), help: "Print the object's size.") var showSize = false
    @Flag(name: .customShort("e"), help: "Exit 0 if the object exists and is valid, 1 if not.") var exists = false
    @Flag(help: "Read object names from stdin; print '<id> <type> <size>' and the content for each.") var batch = false
    @Flag(name: .customLong("batch-check"), help: "Like --batch, without the content.") var batchCheck = false
    @Flag(name: .customLong("batch-all-objects"), help: "With --batch or --batch-check: every object in the repository, sorted by id.")
    var allObjects = false

    @Argument(help: "[TYPE] OBJECT: with a type, print the raw content if the object is of that type.")
    var args: [String] = []

    func validate() throws {
        let modes = [pretty, showType, showSize, exists, batch, batchCheck].filter { $0 }.count
        if batch || batchCheck {
            guard modes == 1, args.isEmpty else { throw ValidationError("--batch and --batch-check take no other option or argument") }
        } else if allObjects {
            throw ValidationError("--batch-all-objects needs --batch or --batch-check")
        } else if modes == 0 {
            guard args.count == 2, ObjectType(name: args[0]) != nil else {
                throw ValidationError("give one of -p, -t, -s, -e with an OBJECT, or a TYPE and an OBJECT")
            }
        } else {
            guard modes == 1, args.count == 1 else { throw ValidationError("give exactly one of -p, -t, -s, -e and one OBJECT") }
        }
    }

    func execute() throws {
        let repo = try Session.repository()
        let out = Output.stdout
        if batch || batchCheck { return try runBatch(repo) }
        let resolver = RevisionResolver(repository: repo)
        if exists {
            guard let id = try? resolver.resolve(args[0]), (try? repo.objects.read(id)) != nil else { throw CheckFailed() }
            return
        }
        if args.count == 2, let want = ObjectType(name: args[0]) {
            let id = try resolver.peel(try resolver.resolve(args[1]), to: want)
            out.write(try repo.objects.read(id, as: want))
            return
        }
        let id = try resolver.resolve(args[0])
        if showType { out.line(try repo.objects.header(id).type.name); return }
        if showSize { out.line(String(try repo.objects.header(id).size)); return }
        let (type, payload) = try repo.objects.read(id)
        if type == .tree {
            let tree: Tree
            do { tree = try Tree.decode(payload) } catch { throw StoreError.corruptObject(id, error.description) }
            for e in tree.entries { out.write(LsTree.line(e)) }
        } else {
            out.write(payload)
        }
    }

    func runBatch(_ repo: Repository) throws {
        let out = Output.stdout
        let resolver = RevisionResolver(repository: repo)
        func emit(_ id: ObjectID) throws {
            if batchCheck {
                let (type, size) = try repo.objects.header(id)
                var line: [UInt8] = []
                id.appendHex(to: &line)
                line.append(contentsOf: " \(type.name) \(size)\n".utf8)
                out.write(line)
            } else {
                let (type, payload) = try repo.objects.read(id)
                var line: [UInt8] = []
                id.appendHex(to: &line)
                line.append(contentsOf: " \(type.name) \(payload.count)\n".utf8)
                out.write(line)
                out.write(payload)
                out.write(CollectionOfOne(0x0A))
            }
        }
        if allObjects {
            for id in repo.objects.allIDs().sorted() { try emit(id) }
            return
        }
        var reader = LineReader()
        while let line = reader.next() {
            let name = String(decoding: line, as: UTF8.self)
            let id: ObjectID
            if let full = line.withUnsafeBytes({ ObjectID(hexBytes: $0) }) {
                id = full
            } else if let r = try? resolver.resolve(name) {
                id = r
            } else {
                out.line("\(name) missing"); continue
            }
            do {
                try emit(id)
            } catch StoreError.objectNotFound {
                out.line("\(name) missing")
            }
        }
    }
}
