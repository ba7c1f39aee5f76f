import Foundation
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

/// What went wrong with the index; the store itself is never touched.
public struct SearchIndexError: Error, CustomStringConvertible {
    public var description: String
}

/// The text of every contract, indexed for `accord search`: a SQLite database (through GRDB) at
/// `<gitDir>/accord/index.sqlite`, with an FTS5 table under the trigram tokenizer, which finds
/// any substring of three characters or more (Chinese included: no word segmentation needed).
///
/// Derived data, as the ledger cache is: the store stays the truth. Each contract's rows are
/// keyed by its head commit and rebuilt only when the head moved, so a search after a pull of
/// 1,000 changes reads those 1,000 contracts. A deleted or unreadable index is rebuilt; one that
/// cannot be written (a full disk, a read-only repository) is built in memory for this run.
public final class SearchIndex {
    /// Bumped whenever the schema or what is indexed changes: an index of another version is
    /// dropped and rebuilt.
    static let version = 1
    public let path: String?
    let db: DatabaseQueue

    /// The repository's index, opened (or made) on disk; in memory if that fails, with why.
    public static func open(_ store: ContractStore) throws -> (index: SearchIndex, warning: String?) {
        let dir = "\(store.repository.gitDir)/accord", path = "\(dir)/index.sqlite"
        do {
            try FileIO.makeDirectories(dir)
            return (try SearchIndex(path: path), nil)
        } catch {
            // Unreadable as SQLite (damaged, or not ours): derived data, so start again.
            FileIO.remove(path)
            if let fresh = try? SearchIndex(path: path) { return (fresh, nil) }
            do { return (try SearchIndex(path: nil), "the search index \(path) could not be written (\(error)); searched without it") }
            catch { throw SearchIndexError(description: "cannot make a search index, even in memory: \(error)") }
        }
    }

    /// The same search in memory, for a run whose index on disk could not be updated.
    public static func inMemory() throws -> SearchIndex { try SearchIndex(path: nil) }

    /// On disk at `path`, or in memory (nil).
    init(path: String?) throws {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(10) // another accord updating it: wait, as for a ref lock
        db = try path.map { try DatabaseQueue(path: $0, configuration: config) } ?? DatabaseQueue(configuration: config)
        try db.write { db in try SearchIndex.prepare(db) }
    }

    static func prepare(_ db: Database) throws {
        let current = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if current == version { return }
        for table in ["entries_fts", "entries", "heads"] { try db.execute(sql: "DROP TABLE IF EXISTS \(table)") }
        try db.execute(sql: """
            CREATE TABLE heads(number TEXT PRIMARY KEY, head TEXT NOT NULL);
            CREATE TABLE entries(id INTEGER PRIMARY KEY, number TEXT NOT NULL, place TEXT NOT NULL, value TEXT NOT NULL);
            CREATE INDEX entries_number ON entries(number);
            CREATE VIRTUAL TABLE entries_fts USING fts5(value, content='entries', content_rowid='id', tokenize='trigram');
            PRAGMA user_version = \(version);
            """)
    }

    /// Brings the index to the store's heads: contracts whose head moved are read again (on
    /// every core), contracts gone are dropped, in one transaction. Returns how many contracts
    /// were read and the ones that could not be (named by the caller, not hidden).
    @discardableResult
    public func refresh(_ store: ContractStore) throws -> (read: Int, failures: [(number: String, error: ContractStoreError)]) {
        let heads: [(number: String, head: ObjectID)]
        do { heads = try store.all() } catch { throw SearchIndexError(description: error.description) }
        let indexed = try db.read { db in
            try Dictionary(Row.fetchAll(db, sql: "SELECT number, head FROM heads").map { (($0["number"] as String?) ?? "", ($0["head"] as String?) ?? "") },
                           uniquingKeysWith: { a, _ in a })
        }
        let changed = heads.filter { indexed[$0.number] != $0.head.hex }
        let live = Set(heads.map(\.number))
        let gone = indexed.keys.filter { !live.contains($0) }
        if changed.isEmpty && gone.isEmpty { return (0, []) }
        let texts = Parallel.map(changed.count) { i -> Result<[(String, String)], ContractStoreError> in
            do throws(ContractStoreError) { return .success(SearchIndex.texts(of: try store.load(commit: changed[i].head))) }
            catch { return .failure(error) }
        }
        var failures: [(number: String, error: ContractStoreError)] = []
        try db.write { db in
            for number in gone { try SearchIndex.drop(number, db) }
            for (c, result) in zip(changed, texts) {
                try SearchIndex.drop(c.number, db)
                guard case let .success(rows) = result else {
                    if case let .failure(e) = result { failures.append((c.number, e)) }
                    continue
                }
                for (place, value) in rows {
                    try db.execute(sql: "INSERT INTO entries(number, place, value) VALUES (?, ?, ?)", arguments: [c.number, place, value])
                    try db.execute(sql: "INSERT INTO entries_fts(rowid, value) VALUES (?, ?)", arguments: [db.lastInsertedRowID, value])
                }
                try db.execute(sql: "INSERT INTO heads(number, head) VALUES (?, ?)", arguments: [c.number, c.head.hex])
            }
        }
        return (changed.count, failures)
    }

    /// Removes a contract's rows (an external-content FTS table is told each row it loses).
    static func drop(_ number: String, _ db: Database) throws {
        for row in try Row.fetchAll(db, sql: "SELECT id, value FROM entries WHERE number = ?", arguments: [number]) {
            try db.execute(sql: "INSERT INTO entries_fts(entries_fts, rowid, value) VALUES ('delete', ?, ?)",
                           arguments: [(row["id"] as Int64?) ?? 0, (row["value"] as String?) ?? ""])
        }
        try db.execute(sql: "DELETE FROM entries WHERE number = ?", arguments: [number])
        try db.execute(sql: "DELETE FROM heads WHERE number = ?", arguments: [number])
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
