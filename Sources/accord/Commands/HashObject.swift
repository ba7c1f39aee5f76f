import ArgumentParser
import AccordStore
import AccordObjects

struct HashObject: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-object",
        abstract: "Compute object ids of files (and with -w, write them). Trees, commits and tags are checked first.")

    @Option(name: .customShort("t"), help: "Object type: blob (default), tree, commit or tag.") var type = "blob"
    @Flag(name: .customShort("w"), help: "Write the objects into the repository.") var write = false
    @Flag(help: "Read the object from standard input.") var stdin = false
    @Flag(name: .customLong("stdin-paths"), help: "Read file paths from standard input, one per line.") var stdinPaths = false
    @Argument(help: "Files to hash.") var files: [String] = []

    func validate() throws {
        guard ObjectType(name: type) != nil else { throw ValidationError("unknown object type '\(type)'") }
        if stdin && stdinPaths { throw ValidationError("--stdin and --stdin-paths cannot be combined") }
        if stdinPaths && !files.isEmpty { throw ValidationError("--stdin-paths takes no file arguments") }
    }

    func execute() throws {
        guard let objectType = ObjectType(name: type) else { return }
        // Hashing alone needs no repository (like git); writing does.
        let repo: Repository? = write ? try Session.repository() : (try? Session.repository())
        let limit = repo.map { $0.objects.loose.maxObjectSize } ?? Repository.defaultMaxObjectSize
        let out = Output.stdout
        func handle(_ data: [UInt8], _ what: String) throws {
            let id: ObjectID
            if write, let repo {
                id = try repo.objects.write(type: objectType, payload: data)
            } else {
                id = ObjectHasher.id(type: objectType, payload: data)
                do { try data.withBytes { (p) throws(ObjectError) in try Object.validate(type: objectType, payload: p) } }
                catch { throw StoreError.invalidInput("\(what): \(error)") }
            }
            var line: [UInt8] = []
            id.appendHex(to: &line)
            line.append(0x0A)
            out.write(line)
        }
        func file(_ path: String) throws -> [UInt8] {
            guard let data = try FileIO.readRegularFile(path, limit: limit, what: "the file to hash") else {
                throw StoreError.invalidInput("could not open '\(path)' for reading: no such file")
            }
            return data
        }
        if stdin { try handle(try LineReader.readAll(limit: limit), "standard input") }
        for f in files { try handle(try file(f), f) }
        defer { repo?.objects.flush() }
        if stdinPaths {
            var reader = LineReader()
            while let line = reader.next() {
                let path = String(decoding: line, as: UTF8.self)
                try handle(try file(path), path)
            }
        }
    }
}
