/// Ref-name rules of `git check-ref-format`, so that every name we accept git accepts too.
public enum RefName {
    public static func validate(_ name: String) throws(StoreError) {
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

    public static func isValid(_ name: String) -> Bool {
        do { try validate(name); return true } catch { return false }
    }
}
