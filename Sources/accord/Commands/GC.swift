import ArgumentParser
import AccordStore

struct GC: AccordCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc", abstract: "Pack every object (loose or packed, reachable or not: nothing is dropped) into one pack with deltas, and pack refs.",
        discussion: "Safe to interrupt: old objects are removed only after the new pack and its index are durable.")

    @Flag(name: .shortAndLong, help: "No progress output.") var quiet = false
    @Flag(help: "Print a JSON summary.") var json = false

    func execute() throws {
        let repo = try Session.repository()
        var current = ""
        var meter = Progress(title: "")
        let report = try GarbageCollector().run(repository: repo) { phase, done, total in
            guard !quiet, !json else { return }
            if phase != current { current = phase; meter = Progress(title: phase) }
            meter.update(done, total)
        }
        if json {
            Output.stdout.line(JSONText.object([
                ("objects", .int(report.objects)), ("pack", report.pack.map { .string($0.packPath) } ?? .null),
                ("removedLoose", .int(report.removedLoose)), ("removedPacks", .int(report.removedPacks)),
            ]).rendered)
        }
    }
}
