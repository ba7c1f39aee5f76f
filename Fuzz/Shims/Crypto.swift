// A stand-in for swift-crypto's `Crypto` module, used only by scripts/fuzz so the fuzz targets
// can be built with swiftc alone (no SwiftPM, no BoringSSL). It provides just the API the
// compiled modules use:
//   - SHA-256 (AccordObjects, AccordSigning): `SHA256()`, `update(bufferPointer:)`, `finalize()`,
//     `SHA256.hash(data:)`, as a plain FIPS 180-4 implementation;
//   - SHA-512 (AccordSigning): the same API, also a plain FIPS 180-4 implementation;
//   - `Curve25519.Signing.PrivateKey` / `PublicKey` (AccordSigning): STUBS ONLY. There is no
//     Ed25519 here. `PublicKey.isValidSignature(_:for:)` always returns false, so nothing ever
//     verifies under the shim; generating a `PrivateKey` and `signature(for:)` stop with
//     fatalError ("the fuzz shim does not sign"), and loading a seed (which would need the public
//     key derived) throws, so a private key file parsed by the `ssh` target is refused at its
//     seed. The fuzz targets never sign; the `ssh` target sees every signature refused.
// scripts/fuzz checks both hashes against known digests first (Fuzz/Shims/SHACheck.swift).
// It imports Foundation as swift-crypto does, so code that relied on that transitive import
// (for example String.range(of:options:) in AccordStore) builds the same way.
import Foundation

// Digests are sequences of their bytes, as swift-crypto's are (`Array(digest)`, `Data(digest)`).
public struct SHA256Digest: Sendable, Hashable, Sequence {
    let bytes: [UInt8]
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }
    public func makeIterator() -> IndexingIterator<[UInt8]> { bytes.makeIterator() }
}

public struct SHA256: Sendable {
    private var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    public init() {}

    @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    private mutating func block(_ p: UnsafeRawBufferPointer, _ at: Int) {
        var w = [UInt32](repeating: 0, count: 64)
        for i in 0..<16 {
            let o = at + 4 * i
            w[i] = UInt32(p[o]) << 24 | UInt32(p[o + 1]) << 16 | UInt32(p[o + 2]) << 8 | UInt32(p[o + 3])
        }
        for i in 16..<64 {
            let s0 = Self.rotr(w[i - 15], 7) ^ Self.rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
            let s1 = Self.rotr(w[i - 2], 17) ^ Self.rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
        for i in 0..<64 {
            let S1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
            let ch = (e & f) ^ (~e & g)
            let t1 = hh &+ S1 &+ ch &+ Self.k[i] &+ w[i]
            let S0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = S0 &+ maj
            hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
        }
        h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d
        h[4] = h[4] &+ e; h[5] = h[5] &+ f; h[6] = h[6] &+ g; h[7] = h[7] &+ hh
    }

    public mutating func update(bufferPointer data: UnsafeRawBufferPointer) {
        length &+= UInt64(data.count)
        var i = 0
        if !buffer.isEmpty {
            let take = min(64 - buffer.count, data.count)
            buffer.append(contentsOf: data[0..<take])
            i = take
            if buffer.count == 64 {
                let b = buffer
                b.withUnsafeBytes { block($0, 0) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        while data.count - i >= 64 { block(data, i); i += 64 }
        if i < data.count { buffer.append(contentsOf: data[i...]) }
    }

    public func finalize() -> SHA256Digest {
        var copy = self
        let bits = length &* 8
        var pad: [UInt8] = [0x80]
        while (copy.buffer.count + pad.count) % 64 != 56 { pad.append(0) }
        for s in stride(from: 56, through: 0, by: -8) { pad.append(UInt8(truncatingIfNeeded: bits >> UInt64(s))) }
        let savedLength = copy.length
        pad.withUnsafeBytes { copy.update(bufferPointer: $0) }
        copy.length = savedLength
        var out: [UInt8] = []
        for v in copy.h { out += [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
        return SHA256Digest(bytes: out)
    }

    public static func hash(data: UnsafeRawBufferPointer) -> SHA256Digest {
        var h = SHA256()
        h.update(bufferPointer: data)
        return h.finalize()
    }

    public static func hash<D: DataProtocol>(data: D) -> SHA256Digest {
        var h = SHA256()
        for region in data.regions { region.withUnsafeBytes { h.update(bufferPointer: $0) } }
        return h.finalize()
    }
}

public struct SHA512Digest: Sendable, Hashable, Sequence {
    let bytes: [UInt8]
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }
    public func makeIterator() -> IndexingIterator<[UInt8]> { bytes.makeIterator() }
}

/// SHA-512 (FIPS 180-4, section 6.4): 128-byte blocks, 80 rounds on 64-bit words.
public struct SHA512: Sendable {
    private var h: [UInt64] = [0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
                               0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179]
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0   // bytes; the 128-bit bit length is derived from it

    private static let k: [UInt64] = [
        0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
        0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
        0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
        0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
        0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
        0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
        0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
        0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
        0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
        0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
        0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
        0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
        0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
        0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
        0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
        0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
    ]

    public init() {}

    @inline(__always) private static func rotr(_ x: UInt64, _ n: UInt64) -> UInt64 { (x >> n) | (x << (64 - n)) }

    private mutating func block(_ p: UnsafeRawBufferPointer, _ at: Int) {
        var w = [UInt64](repeating: 0, count: 80)
        for i in 0..<16 {
            var v: UInt64 = 0
            for j in 0..<8 { v = v << 8 | UInt64(p[at + 8 * i + j]) }
            w[i] = v
        }
        for i in 16..<80 {
            let s0 = Self.rotr(w[i - 15], 1) ^ Self.rotr(w[i - 15], 8) ^ (w[i - 15] >> 7)
            let s1 = Self.rotr(w[i - 2], 19) ^ Self.rotr(w[i - 2], 61) ^ (w[i - 2] >> 6)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
        for i in 0..<80 {
            let S1 = Self.rotr(e, 14) ^ Self.rotr(e, 18) ^ Self.rotr(e, 41)
            let ch = (e & f) ^ (~e & g)
            let t1 = hh &+ S1 &+ ch &+ Self.k[i] &+ w[i]
            let S0 = Self.rotr(a, 28) ^ Self.rotr(a, 34) ^ Self.rotr(a, 39)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = S0 &+ maj
            hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
        }
        h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d
        h[4] = h[4] &+ e; h[5] = h[5] &+ f; h[6] = h[6] &+ g; h[7] = h[7] &+ hh
    }

    public mutating func update(bufferPointer data: UnsafeRawBufferPointer) {
        length &+= UInt64(data.count)
        var i = 0
        if !buffer.isEmpty {
            let take = min(128 - buffer.count, data.count)
            buffer.append(contentsOf: data[0..<take])
            i = take
            if buffer.count == 128 {
                let b = buffer
                b.withUnsafeBytes { block($0, 0) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        while data.count - i >= 128 { block(data, i); i += 128 }
        if i < data.count { buffer.append(contentsOf: data[i...]) }
    }

    public func finalize() -> SHA512Digest {
        var copy = self
        // the message length in bits, as a 128-bit big-endian number
        let high = length >> 61, low = length &<< 3
        var pad: [UInt8] = [0x80]
        while (copy.buffer.count + pad.count) % 128 != 112 { pad.append(0) }
        for word in [high, low] {
            for s in stride(from: 56, through: 0, by: -8) { pad.append(UInt8(truncatingIfNeeded: word >> UInt64(s))) }
        }
        let savedLength = copy.length
        pad.withUnsafeBytes { copy.update(bufferPointer: $0) }
        copy.length = savedLength
        var out: [UInt8] = []
        for v in copy.h {
            for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) }
        }
        return SHA512Digest(bytes: out)
    }

    public static func hash(data: UnsafeRawBufferPointer) -> SHA512Digest {
        var h = SHA512()
        h.update(bufferPointer: data)
        return h.finalize()
    }

    public static func hash<D: DataProtocol>(data: D) -> SHA512Digest {
        var h = SHA512()
        for region in data.regions { region.withUnsafeBytes { h.update(bufferPointer: $0) } }
        return h.finalize()
    }
}

/// NOT Ed25519: stubs with the shape of swift-crypto's API as AccordSigning uses it. Nothing
/// verifies (`isValidSignature` is always false), nothing signs (fatalError) and no seed loads
/// (the initialiser throws).
public enum Curve25519 {
    public enum Signing {
        public struct PublicKey {
            public let rawRepresentation: Data

            /// Keeps the 32 bytes (swift-crypto refuses other lengths, so does this).
            public init<D: ContiguousBytes>(rawRepresentation data: D) throws {
                let bytes = data.withUnsafeBytes { Array($0) }
                guard bytes.count == 32 else { throw CryptoKitError.incorrectKeySize }
                rawRepresentation = Data(bytes)
            }

            /// Always false: the fuzz shim has no Ed25519 and never accepts a signature.
            public func isValidSignature<S: DataProtocol, D: DataProtocol>(_ signature: S, for data: D) -> Bool {
                false
            }
        }

        public struct PrivateKey {
            public var rawRepresentation: Data { Self.refuse() }
            public var publicKey: PublicKey { Self.refuse() }

            /// Generating a key: not in the fuzz shim.
            public init() { Self.refuse() }

            /// Loading a seed (its public key would have to be derived): not in the fuzz shim. It
            /// throws rather than stopping, so the `ssh` target can feed private key files to
            /// `SSHPrivateKey(openSSH:)`, which reaches this after every other check.
            public init<D: ContiguousBytes>(rawRepresentation data: D) throws { throw CryptoKitError.notInFuzzShim }

            public func signature<D: DataProtocol>(for data: D) throws -> Data { Self.refuse() }

            private static func refuse() -> Never {
                fatalError("Curve25519.Signing.PrivateKey: the fuzz shim (Fuzz/Shims/Crypto.swift) does not sign or make keys; fuzz targets must not reach signing")
            }
        }
    }
}

/// As swift-crypto names it.
public enum CryptoKitError: Error {
    case incorrectKeySize
    /// Not swift-crypto's: what the shim throws for what it cannot do.
    case notInFuzzShim
}
