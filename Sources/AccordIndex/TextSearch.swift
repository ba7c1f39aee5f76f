import GRDB
import AccordObjects
import AccordStore
import AccordContracts

/// One place where the searched text occurs: a contract field (`buyer.name`,
/// `lineItems[L1].spec`, `breachLiability`) or a record's field (`deviationReport[ID].report`).
public struct SearchHit: Sendable, Equatable {
    public var number: String
    public var place: String
    public var value: String
}

/// `accord search`: every contract's text, one row per place, with the trigram index over it.
extension QueryIndex {
    /// Brings the index to the store's heads: contracts whose head moved are read again (on
    /// every core), contracts gone are dropped, in one transaction. Returns how many contracts
    /// were read and the ones that could not be (named by the caller, not hidden).
    @discardableResult
    public func refreshText(_ store: ContractStore) throws -> (read: Int, failures: [(number: String, error: ContractStoreError)]) {
        let heads: [(number: String, head: ObjectID)]
        do { heads = try store.all() } catch { throw QueryIndexError(description: error.description) }
        let indexed = try db.read(QueryIndex.textHeads)
        let changed = heads.filter { indexed[$0.number] != $0.head.hex }
        let live = Set(heads.map(\.number))
        let gone = indexed.keys.filter { !live.contains($0) }
        if changed.isEmpty && gone.isEmpty { return (0, []) }
        let texts = Parallel.map(changed.count) { i -> Result<[(String, String)], ContractStoreError> in
            do throws(ContractStoreError) { return .success(QueryIndex.texts(of: try store.load(commit: changed[i].head))) }
            catch { return .failure(error) }
        }
        var failures: [(number: String, error: ContractStoreError)] = []
        try db.write { db in
            // Another accord may have brought the index up to date since it was read (the
            // contracts were read outside the transaction): what it wrote is not written twice.
            let now = try QueryIndex.textHeads(db)
            // From empty (a first search, a deleted index) the FTS table is built once at the
            // end, far faster than row by row; afterwards it follows each row.
            let bulk = now.isEmpty
            for number in gone where now[number] != nil { try QueryIndex.dropText(number, db) }
            let entry = try db.cachedStatement(sql: "INSERT INTO entries(number, place, value) VALUES (?, ?, ?)")
            let fts = try db.cachedStatement(sql: "INSERT INTO entries_fts(rowid, value) VALUES (?, ?)")
            let head = try db.cachedStatement(sql: "INSERT INTO text_heads(number, head) VALUES (?, ?)")
            for (c, result) in zip(changed, texts) {
                if now[c.number] == c.head.hex { continue }
                if now[c.number] != nil { try QueryIndex.dropText(c.number, db) }
                guard case let .success(rows) = result else {
                    if case let .failure(e) = result { failures.append((c.number, e)) }
                    continue
                }
                for (place, value) in rows {
                    try entry.execute(arguments: [c.number, place, value])
                    if !bulk { try fts.execute(arguments: [db.lastInsertedRowID, value]) }
                }
                try head.execute(arguments: [c.number, c.head.hex])
            }
            if bulk { try db.execute(sql: "INSERT INTO entries_fts(entries_fts) VALUES ('rebuild')") }
        }
        return (changed.count, failures)
    }

    /// Each indexed contract's head, as the index holds it.
    static func textHeads(_ db: Database) throws -> [String: String] {
        var out: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT number, head FROM text_heads") {
            out[(row[0] as String?) ?? ""] = (row[1] as String?) ?? ""
        }
        return out
    }

    /// Removes a contract's rows (an external-content FTS table is told each row it loses).
    static func dropText(_ number: String, _ db: Database) throws {
        for row in try Row.fetchAll(db, sql: "SELECT id, value FROM entries WHERE number = ?", arguments: [number]) {
            try db.execute(sql: "INSERT INTO entries_fts(entries_fts, rowid, value) VALUES ('delete', ?, ?)",
                           arguments: [(row["id"] as Int64?) ?? 0, (row["value"] as String?) ?? ""])
        }
        try db.execute(sql: "DELETE FROM entries WHERE number = ?", arguments: [number])
        try db.execute(sql: "DELETE FROM text_heads WHERE number = ?", arguments: [number])
    }

    /// Every place holding `text` (case-insensitive for ASCII), by contract and place. Three
    /// characters or more go through the trigram index; shorter ones (a two-character Chinese
    /// word such as 违约) scan the entries.
    public func search(_ text: String, limit: Int? = nil) throws -> [SearchHit] {
        let cap = limit.map { " LIMIT \($0)" } ?? ""
        return try db.read { db in
            let rows: [Row]
            if text.unicodeScalars.count >= 3 {
                let phrase = "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                rows = try Row.fetchAll(db, sql: """
                    SELECT e.number, e.place, e.value FROM entries_fts JOIN entries e ON e.id = entries_fts.rowid
                    WHERE entries_fts MATCH ? ORDER BY e.number, e.place\(cap)
                    """, arguments: [phrase])
            } else {
                rows = try Row.fetchAll(db, sql: """
                    SELECT number, place, value FROM entries WHERE instr(lower(value), lower(?)) > 0 ORDER BY number, place\(cap)
                    """, arguments: [text])
            }
            return rows.map { SearchHit(number: ($0["number"] as String?) ?? "", place: ($0["place"] as String?) ?? "", value: ($0["value"] as String?) ?? "") }
        }
    }

    /// The searchable text of a contract: every string and number of its document, by field
    /// path (items of a list by their `id`), and every field of every record.
    static func texts(of snap: Snapshot) -> [(String, String)] {
        var out: [(String, String)] = []
        func walk(_ j: JSON, _ path: String) {
            switch j {
            case let .string(s) where !s.isEmpty: out.append((path, s))
            case let .number(n): out.append((path, n))
            case let .object(o):
                for k in o.keys.sorted() { walk(o[k] ?? .null, path.isEmpty ? k : "\(path).\(k)") }
            case let .array(a):
                for (i, v) in a.enumerated() { walk(v, "\(path)[\(v.object?["id"]?.string ?? String(i))]") }
            default: break
            }
        }
        walk(snap.state.contract.json, "")
        for r in snap.state.records {
            for k in r.fields.keys.sorted() {
                let v = r.fields[k]?.description ?? ""
                if !v.isEmpty { out.append(("\(r.kind.code)[\(r.id.prefix(8))].\(k)", v)) }
            }
        }
        return out
    }
}
