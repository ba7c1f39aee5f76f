import Foundation
import GRDB

/// The reports' facts of each contract, as the reports module encodes them (one blob per
/// contract, keyed by its head commit). This module only keeps them: it knows nothing of what
/// a fact is, and the reports decide whether a cached row still reads.
extension QueryIndex {
    /// Every cached row: contract number, head commit id, encoded facts.
    /// A value that is not a blob (damage) reads as an empty one, which no decoder accepts.
    public func facts() throws -> [(number: String, head: String, facts: Data)] {
        try db.read { db in
            var out: [(number: String, head: String, facts: Data)] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT number, head, facts FROM facts")
            while let r = try rows.next() {
                let blob: Data
                if case let .blob(d) = (r[2] as DatabaseValue).storage { blob = d } else { blob = Data() }
                out.append(((r[0] as String?) ?? "", (r[1] as String?) ?? "", blob))
            }
            return out
        }
    }

    /// Writes the rows that changed and removes the contracts gone, in one transaction.
    public func updateFacts(_ rows: [(number: String, head: String, facts: [UInt8])], removing gone: [String]) throws {
        guard !rows.isEmpty || !gone.isEmpty else { return }
        try db.write { db in
            for n in gone { try db.execute(sql: "DELETE FROM facts WHERE number = ?", arguments: [n]) }
            let insert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO facts(number, head, facts) VALUES (?, ?, ?)")
            for r in rows { try insert.execute(arguments: [r.number, r.head, Data(r.facts)]) }
        }
    }
}
