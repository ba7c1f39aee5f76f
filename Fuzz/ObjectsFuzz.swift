// libFuzzer target: strict decoding of tree, commit and tag payloads (AccordObjects).
// Byte 0 picks the type, the rest is the payload. Thrown errors are expected; a crash, hang or
// sanitizer report is a finding, and so is a payload that decodes but does not re-encode to
// itself (its value would hash to another id).
import AccordObjects

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let types: [ObjectType] = [.tree, .commit, .tag]
    let type = types[Int(data[0]) % 3]
    let payload = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if let o = try? Object.decode(type: type, payload: payload), o.encoded() != payload {
        fatalError("decode then encode changed a \(type.name) payload of \(payload.count) bytes")
    }
    payload.withUnsafeBytes { _ = try? Object.validate(type: type, payload: $0) }
    return 0
}
