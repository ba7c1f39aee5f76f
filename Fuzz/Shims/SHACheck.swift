// Checks Fuzz/Shims/Crypto.swift against known SHA-256 digests (run by scripts/fuzz).
import Glibc
@main struct SHACheck {
    static func hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes.withUnsafeBytes { UnsafeRawBufferPointer($0) })
            .withUnsafeBytes { $0.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }
    }
    static func main() {
        let cases: [([UInt8], String)] = [
            ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            ([UInt8](repeating: 0x61, count: 1000), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"),
        ]
        for (input, want) in cases where hex(input) != want {
            print("SHA-256 shim is wrong for \(input.count) bytes: \(hex(input)) != \(want)"); exit(1)
        }
        // incremental, in odd pieces
        var h = SHA256()
        let big = [UInt8](repeating: 0x61, count: 1000)
        var i = 0
        for step in [1, 63, 64, 65, 7, 800] { let e = min(i + step, big.count); big[i..<e].withUnsafeBytes { h.update(bufferPointer: $0) }; i = e }
        let inc = h.finalize().withUnsafeBytes { Array($0) }
        let whole = SHA256.hash(data: big.withUnsafeBytes { UnsafeRawBufferPointer($0) }).withUnsafeBytes { Array($0) }
        guard inc == whole else { print("SHA-256 shim: incremental hash differs"); exit(1) }
        print("SHA-256 shim: ok")
    }
}
