// libFuzzer target: contract JSON (AccordContracts.JSON.parse(bytes:) then Contract(json:) and
// Record(json:)). A contract that reads must write canonical JSON that reads back to the same.
import AccordContracts

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let json = try? JSON.parse(bytes: bytes) else { return 0 }
    _ = json.canonical
    if let c = try? Contract(json: json) {
        let text = c.canonicalJSON
        let again = try? Contract(json: JSON.parse(text))
        precondition(again?.canonicalJSON == text, "canonical contract JSON does not read back to itself")
    }
    _ = try? Record(json: json)
    return 0
}
