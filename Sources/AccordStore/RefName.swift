/// Ref-name rules of `git check-ref-format`, so that every name we accept git accepts too.
public enum RefName {
    public static func validate(_ name: String) throws(StoreError) {
        if isPlainlyValid(name) { return } // the common case in one pass; `rules` names the problem
        try rules(name)
    }

    /// Each rule in turn, the first broken one named.
    static func rules(_ name: String) throws(StoreError) {
        func bad(_ why: String) -> StoreError { .badRefName(name, why) }
        if name == "HEAD" { return }
        guard name.hasPrefix("refs/") else { throw bad("must be HEAD or start with 'refs/'") }
        if name.hasSuffix("/") { throw bad("ends with '/'") }
        if name.hasSuffix(".") { throw bad("ends with '.'") }
        if name.contains("..") { throw bad("contains '..'") }
        if name.contains("@{") { throw bad("contains '@{'") }
        if name.utf8.count > 1024 { throw bad("longer than 1024 bytes") }
        for c in name.unicodeScalars {
            if c.value < 0x20 || c.value == 0x7F { throw bad("contains a control character") }
            if " ~^:?*[\\".unicodeScalars.contains(c) { throw bad("contains '\(c)'") }
        }
        for comp in name.split(separator: "/", omittingEmptySubsequences: false) {
            if comp.isEmpty { throw bad("contains an empty component ('//')") }
            if comp.hasPrefix(".") { throw bad("a component starts with '.'") }
            if comp.hasSuffix(".lock") { throw bad("a component ends with '.lock'") }
        }
    }

    /// The rules below in one pass over the bytes (a batch of 20,000 refs validates each name).
    /// false: some rule may be broken, and `validate` finds which.
    static func isPlainlyValid(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { b in
            guard b.count > 5, b.count <= 1024, b[0] == 0x72, b[1] == 0x65, b[2] == 0x66, b[3] == 0x73, b[4] == 0x2F else { return false }
            var previous: UInt8 = 0x2F
            var componentStart = 5
            for i in 5..<b.count {
                let c = b[i]
                switch c {
                case 0..<0x20, 0x7F, 0x20, 0x7E, 0x5E, 0x3A, 0x3F, 0x2A, 0x5B, 0x5C: return false
                case 0x2E: if previous == 0x2E || previous == 0x2F { return false } // "..", a component starting with "."
                case 0x7B: if previous == 0x40 { return false } // "@{"
                case 0x2F:
                    if previous == 0x2F || endsWithLock(b, componentStart, i) { return false }
                    componentStart = i + 1
                default: break
                }
                previous = c
            }
            return previous != 0x2F && previous != 0x2E && !endsWithLock(b, componentStart, b.count)
        }
    }

    private static func endsWithLock(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        end - start >= 5 && b[end - 5] == 0x2E && b[end - 4] == 0x6C && b[end - 3] == 0x6F && b[end - 2] == 0x63 && b[end - 1] == 0x6B
    }

    public static func isValid(_ name: String) -> Bool {
        do { try validate(name); return true } catch { return false }
    }
}
