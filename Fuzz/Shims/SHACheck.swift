// Checks Fuzz/Shims/Crypto.swift against known SHA-256 and SHA-512 digests (run by scripts/fuzz).
// The SHA-512 cases are FIPS 180-4's examples ("", "abc", the 896-bit two-block message), a
// million-a-style long input (1000 × "a") and lengths around the 112/128-byte padding boundaries.
import Glibc
@main struct SHACheck {
    static func hexString(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
    static func hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes.withUnsafeBytes { UnsafeRawBufferPointer($0) }).withUnsafeBytes { hexString(Array($0)) }
    }
    static func hex512(_ bytes: [UInt8]) -> String {
        SHA512.hash(data: bytes.withUnsafeBytes { UnsafeRawBufferPointer($0) }).withUnsafeBytes { hexString(Array($0)) }
    }
    static func a(_ n: Int) -> [UInt8] { [UInt8](repeating: 0x61, count: n) }
    static func main() {
        let cases: [([UInt8], String)] = [
            ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            (a(1000), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"),
        ]
        for (input, want) in cases where hex(input) != want {
            print("SHA-256 shim is wrong for \(input.count) bytes: \(hex(input)) != \(want)"); exit(1)
        }
        let cases512: [([UInt8], String)] = [
            ([], "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
            (Array("abc".utf8), "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
            (Array("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8),
             "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"),
            (a(1000), "67ba5535a46e3f86dbfbed8cbbaf0125c76ed549ff8b0b9e03e0c88cf90fa634fa7b12b47d77b694de488ace8d9a65967dc96df599727d3292a8d9d447709c97"),
            (a(111), "fa9121c7b32b9e01733d034cfc78cbf67f926c7ed83e82200ef86818196921760b4beff48404df811b953828274461673c68d04e297b0eb7b2b4d60fc6b566a2"),
            (a(112), "c01d080efd492776a1c43bd23dd99d0a2e626d481e16782e75d54c2503b5dc32bd05f0f1ba33e568b88fd2d970929b719ecbb152f58f130a407c8830604b70ca"),
            (a(127), "828613968b501dc00a97e08c73b118aa8876c26b8aac93df128502ab360f91bab50a51e088769a5c1eff4782ace147dce3642554199876374291f5d921629502"),
            (a(128), "b73d1929aa615934e61a871596b3f3b33359f42b8175602e89f7e06e5f658a243667807ed300314b95cacdd579f3e33abdfbe351909519a846d465c59582f321"),
            (a(239), "52c853cb8d907f3d4d6b889beb027985d7c273486d75f8baf26f80d24e90c74c6c3de3e22131582380a7d14d43f2941a31385439cd6ddc469f628015e50bf286"),
            (a(240), "4c296d90c61052a62ffb1dd196f1b7b09373b1f93e71836baebf89690546b7595684dbe9467a8e484fa0d1094272b4344a7c24f5fee8daedeb0bf549c985ab5f"),
        ]
        for (input, want) in cases512 where hex512(input) != want {
            print("SHA-512 shim is wrong for \(input.count) bytes: \(hex512(input)) != \(want)"); exit(1)
        }
        // incremental, in odd pieces; and the byte-collection overload (as AccordSigning calls it)
        let big = a(1000)
        let pieces = [1, 63, 64, 65, 7, 127, 128, 129, 416]  // 1000 in all
        var h = SHA256(), h512 = SHA512()
        var i = 0
        for step in pieces {
            let e = min(i + step, big.count)
            big[i..<e].withUnsafeBytes { h.update(bufferPointer: $0); h512.update(bufferPointer: $0) }
            i = e
        }
        let whole = SHA256.hash(data: big.withUnsafeBytes { UnsafeRawBufferPointer($0) }).withUnsafeBytes { Array($0) }
        guard h.finalize().withUnsafeBytes({ Array($0) }) == whole, Array(SHA256.hash(data: big)) == whole else {
            print("SHA-256 shim: incremental or [UInt8] hash differs"); exit(1)
        }
        let whole512 = SHA512.hash(data: big.withUnsafeBytes { UnsafeRawBufferPointer($0) }).withUnsafeBytes { Array($0) }
        guard h512.finalize().withUnsafeBytes({ Array($0) }) == whole512, Array(SHA512.hash(data: big)) == whole512 else {
            print("SHA-512 shim: incremental or [UInt8] hash differs"); exit(1)
        }
        print("SHA-256 and SHA-512 shim: ok")
    }
}
