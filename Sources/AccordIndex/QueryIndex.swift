import Foundation
import GRDB
import AccordObjects
import AccordStore
import AccordContracts

/// What went wrong with the index; the store itself is never touched.
public struct QueryIndexError: Error, CustomStringConvertible {
    public var description: String
}

/// The query index: what the reports, the to-do queue and `accord search` read instead of every
/// contract's history, in a SQLite database (through GRDB) at `<gitDir>/accord/index.sqlite`:
/// each contract's text (an FTS5 table under the trigram tokenizer, which finds any substring of
/// three characters or more, Chinese included: no word segmentation needed) and each contract's
/// report facts (as the reports module encodes them).
///
/// Derived data: the store stays the truth. Every row is keyed by its contract's head commit and
/// rebuilt only when the head moved, so a report after a pull of 1,000 changes reads those 1,000
/// contracts. A deleted or unreadable index is rebuilt; one that cannot be written (a full disk,
/// a read-only repository) is built in memory for this run.
public final class QueryIndex {
    /// Bumped whenever the schema or what is indexed changes: an index of another version is
    /// dropped and rebuilt.
    static let version = 4
    public let path: String?
    let db: DatabaseQueue

    /// The repository's index, opened (or made) on disk; in memory if that fails, with why.
    public static func open(_ store: ContractStore) throws -> (index: QueryIndex, warning: String?) {
        let dir = "\(store.repository.gitDir)/accord", path = "\(dir)/index.sqlite"
        do {
            try FileIO.makeDirectories(dir)
            return (try QueryIndex(path: path), nil)
        } catch {
            // Unreadable as SQLite (damaged, or not ours): derived data, so start again.
            FileIO.remove(path)
            if let fresh = try? QueryIndex(path: path) { return (fresh, nil) }
            do { return (try QueryIndex(path: nil), "the query index \(path) could not be written (\(error)); read without it") }
            catch { throw QueryIndexError(description: "cannot make a query index, even in memory: \(error)") }
        }
    }

    /// The same search in memory, for a run whose index on disk could not be updated.
    public static func inMemory() throws -> QueryIndex { try QueryIndex(path: nil) }

    /// On disk at `path`, or in memory (nil).
    init(path: String?) throws {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(10) // another accord updating it: wait, as for a ref lock
        db = try path.map { try DatabaseQueue(path: $0, configuration: config) } ?? DatabaseQueue(configuration: config)
        // Every report and search opens the index: only a missing or outdated schema takes the
        // write lock (and is checked again under it, another accord may have made it meanwhile).
        if try db.read(QueryIndex.schemaVersion) != QueryIndex.version { try db.write(QueryIndex.prepare) }
    }

    static func schemaVersion(_ db: Database) throws -> Int { try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }

    static func prepare(_ db: Database) throws {
        if try schemaVersion(db) == version { return }
        for table in ["entries_fts", "entries", "heads", "text_heads", "facts"] { try db.execute(sql: "DROP TABLE IF EXISTS \(table)") }
        try db.execute(sql: """
            CREATE TABLE facts(number TEXT PRIMARY KEY, head TEXT NOT NULL, facts BLOB NOT NULL);
            CREATE TABLE text_heads(number TEXT PRIMARY KEY, head TEXT NOT NULL);
            CREATE TABLE entries(id INTEGER PRIMARY KEY, number TEXT NOT NULL, place TEXT NOT NULL, value TEXT NOT NULL);
            CREATE INDEX entries_number ON entries(number);
            CREATE VIRTUAL TABLE entries_fts USING fts5(value, content='entries', content_rowid='id', tokenize='trigram');
            PRAGMA user_version = \(version);
            """)
    }
}
