import GRDB

/// Tests reach into the query index (to damage rows, to count them) through this small target,
/// so GRDB's SQL operators stay out of the test modules' type checking.
public enum SQLiteProbe {
    public static func execute(_ path: String, _ sql: String) throws {
        try DatabaseQueue(path: path).write { try $0.execute(sql: sql) }
    }

    public static func int(_ path: String, _ sql: String) throws -> Int? {
        try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: sql) }
    }
}
