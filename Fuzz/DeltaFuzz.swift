// libFuzzer target: delta application (AccordStore.Delta.apply / sizes).
// Bytes 0-1 (big-endian) give the base length; then the base; the rest is the delta.
import AccordStore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let all = UnsafeRawBufferPointer(start: data, count: size)
    let baseLength = min(Int(data[0]) << 8 | Int(data[1]), size - 2)
    let base = UnsafeRawBufferPointer(rebasing: all[2..<(2 + baseLength)])
    let delta = UnsafeRawBufferPointer(rebasing: all[(2 + baseLength)...])
    _ = try? Delta.sizes(delta)
    if let out = try? Delta.apply(delta, base: base, limit: 1 << 20) {
        precondition(out.count <= 1 << 20, "delta result over the limit")
        if let s = try? Delta.sizes(delta) { precondition(s.target == out.count && s.source == base.count) }
    }
    return 0
}
