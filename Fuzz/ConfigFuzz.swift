// libFuzzer target: git config files (AccordStore.Config(parsing:path:)), read as
// Repository.open reads .accord/config (String decoding of the file's bytes).
import AccordStore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let c = try? Config(parsing: text, path: "fuzz/config") {
        _ = c.entries.count
    }
    return 0
}
