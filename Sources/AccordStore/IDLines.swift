import AccordObjects

/// Files of `<64 hex id> <name>` lines (packed-refs; an organisation root's baseline), read over
/// their bytes: such a file holds a line per contract.
public enum IDLines {
    /// Each line's number (from 1) and bytes, without its newline, until `body` returns false.
    public static func forEach(_ b: UnsafeRawBufferPointer, _ body: (_ number: Int, _ line: UnsafeRawBufferPointer) -> Bool) {
        var start = 0, n = 0
        while start < b.count {
            n += 1
            var end = start
            while end < b.count, b[end] != 0x0A { end += 1 }
            guard body(n, UnsafeRawBufferPointer(rebasing: b[start..<end])) else { return }
            start = end + 1
        }
    }

    /// `<id> <name>` (a name of at least one byte): the id and the name, or nil.
    public static func idAndName(_ line: UnsafeRawBufferPointer) -> (id: ObjectID, name: String)? {
        guard line.count > 65, line[64] == 0x20, let id = ObjectID(hexBytes: UnsafeRawBufferPointer(rebasing: line[0..<64])) else { return nil }
        return (id, String(decoding: UnsafeRawBufferPointer(rebasing: line[65...]), as: UTF8.self))
    }
}
