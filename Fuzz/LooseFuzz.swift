// libFuzzer target: loose objects (AccordStore.LooseObjects.read / header), header and body.
// Byte 0 even: the rest is the inflated object ("<type> <size>\0<payload>"); it is deflated and
// stored under its own hash, so the header, size and body checks are reached (then the payload
// is strictly decoded). Byte 0 odd: the rest is stored as the compressed file itself.
import AccordObjects
import AccordStore
import Glibc

let looseDir: String = {
    var t = Array(((access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") + "/accord-fuzz-loose-XXXXXX").utf8CString)
    guard mkdtemp(&t) != nil else { fatalError("mkdtemp") }
    return String(cString: t)
}()
let loose = LooseObjects(directory: looseDir, maxObjectSize: 1 << 20, durable: false)
let fixedID = ObjectHasher.id(type: .blob, payload: [])

func store(_ bytes: [UInt8], at path: String) {
    let dir = FileIO.dirname(of: path)
    mkdir(dir, 0o755)
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { fatalError("open \(path)") }
    bytes.withUnsafeBytes { p in _ = write(fd, p.baseAddress, p.count) }
    close(fd)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let rest = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let id: ObjectID
    if data[0] & 1 == 0 {
        id = rest.withUnsafeBytes { ObjectHasher.digest($0) }
        store(Zlib.deflate(rest), at: loose.path(of: id))
    } else {
        id = fixedID
        store(rest, at: loose.path(of: id))
    }
    _ = try? loose.header(id)
    if let o = try? loose.read(id) {
        _ = try? Object.decode(type: o.type, payload: o.payload)
    }
    unlink(loose.path(of: id))
    return 0
}
