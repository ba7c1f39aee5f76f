import AccordObjects

/// Pack reuse, as git's pack-objects does by default: an object that is already stored in a pack
/// goes into the new pack as the bytes it is stored as (a whole object copied, a delta copied with
/// its base offset rewritten), with no inflate, delta search or deflate. The copied bytes are
/// checked against the CRC the pack's index records; the receiver checks every object's hash.
/// A hub serving a clone of 10,000 contracts spent most of its time re-deltifying what its pack
/// already held.
struct PackReuse {
    /// One entry to copy: `source`'s bytes `start..<end` (the entry's header and data).
    struct Entry {
        var id: ObjectID
        var pack: Int
        var sourceOffset: Int
        var end: Int
        var entry: PackEntry
    }

    /// The entries to copy, in the order to write them (each pack's in offset order, so every
    /// delta comes after its base), and the inputs that must be packed the ordinary way.
    var copies: [Entry] = []
    var rest: [PackWriter.Input] = []
    let readers: [PackReader]

    /// `objects` must be free of duplicates.
    init(_ objects: [PackWriter.Input], db: ObjectDatabase) {
        readers = db.packs.packs
        var found: [[(offset: Int, position: Int, input: Int)]] = Array(repeating: [], count: readers.count)
        var fromPack = [Bool](repeating: false, count: objects.count)
        for (i, o) in objects.enumerated() {
            for (p, r) in readers.enumerated() {
                guard let position = r.index.position(of: o.id), let offset = try? r.index.offset(at: position) else { continue }
                found[p].append((offset, position, i))
                fromPack[i] = true
                break
            }
        }
        var sent = Set<ObjectID>() // ids whose entry is copied (for REF_DELTA bases)
        var copiedAt: [Set<Int>] = Array(repeating: [], count: readers.count) // source offsets copied, per pack
        for (p, r) in readers.enumerated() where !found[p].isEmpty {
            guard let offsets = try? r.sortedOffsets() else {
                for f in found[p] { fromPack[f.input] = false }
                continue
            }
            for f in found[p].sorted(by: { $0.offset < $1.offset }) {
                let id = objects[f.input].id
                guard let e = try? r.data.entry(at: f.offset, id: id) else { fromPack[f.input] = false; continue }
                let end = r.end(of: f.offset, in: offsets)
                let baseCopied: Bool
                switch e.code {
                case PackFormat.ofsDelta: baseCopied = copiedAt[p].contains(e.baseOffset)
                case PackFormat.refDelta: baseCopied = sent.contains(e.baseID)
                default: baseCopied = true
                }
                let raw = UnsafeRawBufferPointer(rebasing: r.data.file.bytes[f.offset..<end])
                guard baseCopied, PackFormat.crc32(raw) == r.index.crc(at: f.position) else { fromPack[f.input] = false; continue }
                copies.append(Entry(id: id, pack: p, sourceOffset: f.offset, end: end, entry: e))
                copiedAt[p].insert(f.offset)
                sent.insert(id)
            }
        }
        rest = objects.indices.filter { !fromPack[$0] }.map { objects[$0] }
    }
}

extension PackReader {
    /// Where the entry at `offset` ends: the next entry's offset, or the end of the pack's data.
    func end(of offset: Int, in sorted: [Int]) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] <= offset { lo = mid + 1 } else { hi = mid }
        }
        return lo < sorted.count ? sorted[lo] : data.dataEnd
    }
}
