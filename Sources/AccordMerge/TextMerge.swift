/// Line-based three-way merge of free text (diff3): changes to different lines combine; changes
/// that overlap, and differ, are a conflict.
public enum TextMerge {
    /// The merged text, or nil when the two sides change the same lines differently.
    public static func merge(base: String, ours: String, theirs: String) -> String? {
        if ours == theirs { return ours }
        if ours == base { return theirs }
        if theirs == base { return ours }
        let b = lines(base), o = lines(ours), t = lines(theirs)
        // Very long texts: too costly to align line by line; treat as one value.
        guard b.count * max(o.count, t.count) <= 4_000_000,
              let bo = lcs(b, o), let bt = lcs(b, t) else { return nil }
        var toOurs = [Int?](repeating: nil, count: b.count), toTheirs = [Int?](repeating: nil, count: b.count)
        for (i, j) in bo { toOurs[i] = j }
        for (i, j) in bt { toTheirs[i] = j }
        var out: [Substring] = []
        var pb = -1, po = -1, pt = -1
        func chunk(_ ib: Int, _ io: Int, _ it: Int) -> Bool {
            let cb = Array(b[(pb + 1)..<ib]), co = Array(o[(po + 1)..<io]), ct = Array(t[(pt + 1)..<it])
            if co == cb { out += ct } else if ct == cb || co == ct { out += co } else { return false }
            return true
        }
        for i in 0..<b.count {
            guard let j = toOurs[i], let k = toTheirs[i], j > po, k > pt else { continue }
            guard chunk(i, j, k) else { return nil }
            out.append(b[i])
            pb = i; po = j; pt = k
        }
        guard chunk(b.count, o.count, t.count) else { return nil }
        return out.joined(separator: "\n")
    }

    /// A line diff for display: unchanged lines (" "), removed ("-"), added ("+").
    public static func lineDiff(_ old: String, _ new: String) -> [(op: Character, line: Substring)] {
        let a = lines(old), b = lines(new)
        guard a.count * b.count <= 4_000_000, let pairs = lcs(a, b) else {
            return a.map { ("-", $0) } + b.map { ("+", $0) }
        }
        var out: [(Character, Substring)] = []
        var i = 0, j = 0
        for (pi, pj) in pairs + [(a.count, b.count)] {
            while i < pi { out.append(("-", a[i])); i += 1 }
            while j < pj { out.append(("+", b[j])); j += 1 }
            if pi < a.count { out.append((" ", a[pi])); i += 1; j += 1 }
        }
        return out
    }

    static func lines(_ s: String) -> [Substring] { s.split(separator: "\n", omittingEmptySubsequences: false) }

    /// Longest common subsequence as matched index pairs (dynamic programming; inputs are short).
    static func lcs(_ a: [Substring], _ b: [Substring]) -> [(Int, Int)]? {
        let n = a.count, m = b.count
        if n == 0 || m == 0 { return [] }
        var table = [Int32](repeating: 0, count: (n + 1) * (m + 1))
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                table[i * (m + 1) + j] = a[i] == b[j] ? table[(i + 1) * (m + 1) + j + 1] + 1
                    : max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1])
            }
        }
        var pairs: [(Int, Int)] = []
        var i = 0, j = 0
        while i < n && j < m {
            if a[i] == b[j] { pairs.append((i, j)); i += 1; j += 1 }
            else if table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1] { i += 1 } else { j += 1 }
        }
        return pairs
    }
}
