// libFuzzer target: bundle header parsing (AccordSync.BundleFile.parse).
import AccordSync

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let b = try? BundleFile.parse(bytes) {
        precondition(b.packOffset >= 0 && b.packOffset <= size, "pack offset \(b.packOffset) outside the \(size) bytes")
    }
    return 0
}
