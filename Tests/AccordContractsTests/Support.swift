import Testing
@testable import AccordContracts

enum Fixtures {
    static let dir: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3) // Tests/AccordContractsTests/Support.swift
        return parts.joined(separator: "/") + "/Fixtures/contracts"
    }()
    static let files = ["drafts-and-reviews.json", "signed-and-executing.json", "closed.json"]

    static func text(_ name: String) -> String {
        guard let f = fopen("\(dir)/\(name)", "r") else { return "" }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            bytes += buf[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Every fixture entry as parsed JSON.
    static let entries: [JSON] = files.flatMap { (try? JSON.parse(text($0)))?.array ?? [] }

    static func state(_ number: String) throws -> ContractState {
        guard let e = entries.first(where: { $0["contract"]?["number"]?.string == number }) else {
            throw ContractError("number", "no fixture \(number)")
        }
        return try state(e)
    }

    static func state(_ e: JSON) throws -> ContractState {
        let c = try Contract(json: e["contract"] ?? .null)
        let rs = try (e["records"]?.array ?? []).enumerated().map { try Record(json: $1, path: "records[\($0)]") }
        return ContractState(contract: c, records: rs)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func rec(_ kind: RecordKind, _ id: String, role: Role = .salesRep, _ fields: [String: RecordValue]) -> Record {
    Record(id: id, kind: kind, author: "测试 <t@example.cn>", role: role, replica: "r1", createdAt: "2026-05-01T00:00:00Z",
           filedDate: d("2026-05-01"), fields: fields)
}

func d(_ s: String) -> CivilDate { (try? CivilDate.parse(s)) ?? CivilDate(daysSinceEpoch: 0) }
func dec(_ s: String) -> Dec { (try? Dec.parse(s, maxDecimals: 6)) ?? .zero }

/// Expects `body` to throw a ContractError naming `path` (prefix) and `rule`.
func expectViolation(_ rule: String, path: String, sourceLocation: SourceLocation = #_sourceLocation,
                     _ body: () throws(ContractError) -> Void) {
    do {
        try body()
        Issue.record("expected a violation of \(rule) at \(path)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.rule == rule, "rule: \(error)", sourceLocation: sourceLocation)
        #expect(error.path.hasPrefix(path), "path: \(error)", sourceLocation: sourceLocation)
    }
}

func check(_ s: ContractState, previous: ContractState? = nil, agreement: String? = nil) throws(ContractError) {
    try Invariants.check(s, previous: previous, changeAgreement: agreement)
}
