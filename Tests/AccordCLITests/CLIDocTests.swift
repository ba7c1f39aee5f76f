import Foundation
import AccordTestSupport
import Testing

/// docs/cli.md is generated from the binary's help; this fails when a command changes and the
/// reference was not regenerated (run scripts/gen-cli-doc.sh).
@Test func cliReferenceMatchesTheBinary() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let products = Bundle.main.bundleURL.deletingLastPathComponent()
    let candidates = [ProcessInfo.processInfo.environment["ACCORD_BIN"].map { URL(fileURLWithPath: $0) },
                      products.appendingPathComponent("accord"), Bundle.main.bundleURL.appendingPathComponent("accord"),
                      root.appendingPathComponent(".build/debug/accord")].compactMap { $0 }
    let bin = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) })
    let script = root.appendingPathComponent("scripts/gen-cli-doc.sh")
    let committed = try String(contentsOf: root.appendingPathComponent("docs/cli.md"), encoding: .utf8)
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("clidoc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: tmp.appendingPathComponent("docs"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: tmp.appendingPathComponent("scripts"), withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: tmp) }
    try FileManager.default.copyItem(at: script, to: tmp.appendingPathComponent("scripts/gen-cli-doc.sh"))
    let r = try ChildProcess.run("/bin/bash", [tmp.appendingPathComponent("scripts/gen-cli-doc.sh").path, bin.path])
    #expect(r.status == 0, "\(String(decoding: r.stderr, as: UTF8.self))")
    let fresh = try String(contentsOf: tmp.appendingPathComponent("docs/cli.md"), encoding: .utf8)
    #expect(fresh == committed, "docs/cli.md is stale: run scripts/gen-cli-doc.sh")
}
