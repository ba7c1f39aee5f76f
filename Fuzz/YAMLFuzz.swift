// libFuzzer target: YAML input (`accord import`, `accord new --file`): YAMLSubset.parse from
// Sources/accord/Support/YAMLInput.swift (internal to the executable, so that file is compiled
// into this target's module), then Contract(json:) and Record(json:) on what it returns.
import AccordContracts

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let json = try? YAMLSubset.parse(text) else { return 0 }
    _ = try? Contract(json: json)
    _ = try? Record(json: json)
    return 0
}
