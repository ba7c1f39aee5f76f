// libFuzzer target: pack and idx parsing (AccordStore.PackIndexer.index, PackIndex, PackReader).
// Byte 0 even: the rest is a pack without its trailer; the SHA-256 trailer is appended (so the
// entries, not the checksum, are what is tested) and the pack is indexed as `index-pack` would
// on receipt, then read back. Byte 0 odd: bytes 1-4 (big-endian) give the length of an idx, then
// the idx, then a pack without its trailer; the pack trailer is appended, the idx's pack checksum
// and trailer are patched to match, and the pair is opened, every object read and verified.
import AccordObjects
import AccordStore
import Glibc

let packDir: String = {
    var t = Array(((access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") + "/accord-fuzz-pack-XXXXXX").utf8CString)
    guard mkdtemp(&t) != nil else { fatalError("mkdtemp") }
    return String(cString: t)
}()
let packPath = packDir + "/fuzz.pack"
let idxPath = packDir + "/fuzz.idx"

func put(_ bytes: [UInt8], _ path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { fatalError("open \(path)") }
    bytes.withUnsafeBytes { p in _ = write(fd, p.baseAddress, p.count) }
    close(fd)
}

func withTrailer(_ b: [UInt8]) -> [UInt8] {
    var out = b
    out.append(contentsOf: b.withUnsafeBytes { ObjectHasher.digest($0) }.bytes)
    return out
}

func readAll(_ r: PackReader) {
    for id in r.allIDs().prefix(256) {
        _ = try? r.header(id)
        if let o = try? r.read(id) { _ = try? Object.decode(type: o.type, payload: o.payload) }
    }
    try? r.verify()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let rest = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    unlink(idxPath)
    if data[0] & 1 == 0 {
        put(withTrailer(rest), packPath)
        if (try? PackIndexer.index(packPath: packPath, indexPath: idxPath, maxObjectSize: 1 << 20)) != nil,
           let r = try? PackReader(packPath: packPath, indexPath: idxPath, maxObjectSize: 1 << 20) {
            readAll(r)
        }
    } else {
        guard rest.count >= 4 else { return 0 }
        let n = min(Int(rest[0]) << 24 | Int(rest[1]) << 16 | Int(rest[2]) << 8 | Int(rest[3]), rest.count - 4)
        var idx = Array(rest[4..<(4 + n)])
        let pack = withTrailer(Array(rest[(4 + n)...]))
        if idx.count >= 64 {
            idx.replaceSubrange((idx.count - 64)..<(idx.count - 32), with: pack.suffix(32))
            idx = withTrailer(Array(idx.dropLast(32)))
        }
        put(idx, idxPath)
        put(pack, packPath)
        if let i = try? PackIndex(path: idxPath) {
            for k in 0..<min(i.count, 256) { _ = try? i.offset(at: k); _ = i.position(of: i.id(at: k)) }
            try? i.verify()
        }
        if let r = try? PackReader(packPath: packPath, indexPath: idxPath, maxObjectSize: 1 << 20) { readAll(r) }
    }
    return 0
}
