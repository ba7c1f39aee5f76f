import AccordObjects
#if canImport(Glibc)
import Glibc
#endif

extension RefStore {
    /// The first ref under `prefix` whose value differs from the ref of the same name under
    /// `mirror` (absent there counts as different); nil when every one matches. A ref only under
    /// `mirror` does not count. Neither prefix may contain the other.
    ///
    /// A sync asks this on every run ("is there anything here the hub has not seen?"), with
    /// 10,000 contracts and their 10,000 tracking refs in packed-refs. Decoding the whole file
    /// into a dictionary cost most of a no-op sync; this compares the lines' hex bytes in place
    /// (git sorts packed-refs, so both groups are runs in the same order) and reads only the
    /// loose refs that override packed ones.
    public func firstDifference(under prefix: String, from mirror: String) throws(StoreError) -> String? {
        precondition(prefix.hasSuffix("/") && mirror.hasSuffix("/") && !prefix.hasPrefix(mirror) && !mirror.hasPrefix(prefix))
        let loose = Set(looseNames(under: prefix) + looseNames(under: mirror))
        let bytes = overlay.isEmpty ? try FileIO.read(packedPath, limit: 1 << 30) : nil
        let packed = bytes.flatMap { RefStore.sortedPackedRuns($0, prefix, mirror) }
        if let bytes, let packed {
            // Names with a loose file are decided below, by reading them.
            let differing: String? = bytes.withUnsafeBytes { b -> String? in
                guard let base = b.baseAddress else { return nil }
                func suffix(_ r: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: b[r]) }
                var j = 0
                for a in packed.first {
                    let s = suffix(a.name)
                    while j < packed.second.count, suffix(packed.second[j].name).lexicographicallyPrecedes(s) { j += 1 }
                    if j < packed.second.count, suffix(packed.second[j].name).elementsEqual(s),
                       memcmp(base + a.id, base + packed.second[j].id, 64) == 0 { continue }
                    let tail = String(decoding: s, as: UTF8.self)
                    if loose.contains(prefix + tail) || loose.contains(mirror + tail) { continue }
                    return prefix + tail
                }
                return nil
            }
            if let differing { return differing }
            for name in loose.sorted() {
                let own = name.hasPrefix(prefix) ? name : prefix + name.dropFirst(mirror.count)
                if let id = try resolve(own), try resolve(mirror + own.dropFirst(prefix.count)) != id { return own }
            }
            return nil
        }
        // Unsorted packed-refs, or values overlaid: the general way.
        let mirrored = try values(prefix: mirror)
        for (name, id) in try list(prefix: prefix) where mirrored[mirror + name.dropFirst(prefix.count)] != id { return name }
        return nil
    }

    /// The names of the loose refs under `prefix` (`refs/contracts/`), locks left out.
    func looseNames(under prefix: String) -> [String] {
        looseFiles(under: String(prefix.dropLast())).filter { !$0.hasSuffix(".lock") && RefName.isValid($0) }
    }

    /// In packed-refs bytes marked `sorted`: for the refs under `a` and under `b`, each line's
    /// name after the prefix and the offset of its 64 hex digits, in file order. nil if the file
    /// is not marked sorted or a line is malformed (the general way then answers, or reports it).
    static func sortedPackedRuns(_ bytes: [UInt8], _ a: String, _ b: String)
        -> (first: [(name: Range<Int>, id: Int)], second: [(name: Range<Int>, id: Int)])? {
        let pa = Array(a.utf8), pb = Array(b.utf8)
        return bytes.withUnsafeBytes { buf -> (first: [(name: Range<Int>, id: Int)], second: [(name: Range<Int>, id: Int)])? in
            guard let base = buf.baseAddress else { return ([], []) }
            var first: [(name: Range<Int>, id: Int)] = [], second: [(name: Range<Int>, id: Int)] = []
            var sorted = false
            var i = 0
            while i < buf.count {
                let end = memchr(base + i, 0x0A, buf.count - i).map { base.distance(to: UnsafeRawPointer($0)) } ?? buf.count
                defer { i = end + 1 }
                if buf[i] == UInt8(ascii: "#") {
                    sorted = sorted || String(decoding: UnsafeRawBufferPointer(rebasing: buf[i..<end]), as: UTF8.self).contains(" sorted")
                    continue
                }
                if buf[i] == UInt8(ascii: "^") { continue }
                guard end - i > 65, buf[i + 64] == 0x20 else { return nil }
                let name = (i + 65)..<end
                if name.count > pa.count, memcmp(base + name.lowerBound, pa, pa.count) == 0 {
                    first.append((name: (name.lowerBound + pa.count)..<end, id: i))
                } else if name.count > pb.count, memcmp(base + name.lowerBound, pb, pb.count) == 0 {
                    second.append((name: (name.lowerBound + pb.count)..<end, id: i))
                }
            }
            return sorted ? (first, second) : nil
        }
    }
}
