import Testing
@testable import AccordStore
import AccordObjects
import AccordTestSupport

@Suite("Delta encoding")
struct PackDeltaTests {
    static func randomBytes(_ n: Int, _ rng: inout SeededRNG, alphabet: Int = 256) -> [UInt8] {
        (0..<n).map { _ in UInt8(Int.random(in: 0..<alphabet, using: &rng)) }
    }

    static func mutate(_ base: [UInt8], _ rng: inout SeededRNG) -> [UInt8] {
        var t = base
        for _ in 0..<Int.random(in: 0...8, using: &rng) {
            let op = Int.random(in: 0..<3, using: &rng)
            let at = t.isEmpty ? 0 : Int.random(in: 0..<t.count, using: &rng)
            switch op {
            case 0: t.insert(contentsOf: randomBytes(Int.random(in: 1...300, using: &rng), &rng), at: at)
            case 1: if !t.isEmpty { t.removeSubrange(at..<min(t.count, at + Int.random(in: 1...300, using: &rng))) }
            default: if !t.isEmpty { t[at] ^= 0x5A }
            }
        }
        return t
    }

    func roundTrip(_ base: [UInt8], _ target: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let d = try #require(Delta.create(base: base, target: target), sourceLocation: sourceLocation)
        let back = try Delta.apply(d, base: base)
        #expect(back == target, "round trip of \(base.count) → \(target.count) bytes", sourceLocation: sourceLocation)
    }

    @Test func edgeCases() throws {
        var rng = SeededRNG(state: 1)
        let some = Self.randomBytes(5000, &rng)
        try roundTrip([], [])
        try roundTrip([], some)
        try roundTrip(some, [])
        try roundTrip(some, some)
        try roundTrip(Array(some.prefix(15)), Array(some.prefix(15)))
        try roundTrip(some, Self.randomBytes(4000, &rng))
        try roundTrip([UInt8](repeating: 7, count: 100_000), [UInt8](repeating: 7, count: 150_000))
        // identical content compresses to a handful of copy instructions
        let d = try #require(Delta.create(base: some, target: some))
        #expect(d.count < 20)
    }

    @Test func randomRoundTrips() throws {
        var rng = SeededRNG(state: 42)
        for i in 0..<300 {
            let n = i % 10 == 0 ? Int.random(in: 0...300_000, using: &rng) : Int.random(in: 0...3000, using: &rng)
            let base = Self.randomBytes(n, &rng, alphabet: i % 3 == 0 ? 4 : 256)
            let target = i % 7 == 0 ? Self.randomBytes(Int.random(in: 0...3000, using: &rng), &rng) : Self.mutate(base, &rng)
            try roundTrip(base, target)
        }
    }

    @Test func largeSimilarObjectsGiveSmallDeltas() throws {
        var rng = SeededRNG(state: 7)
        let base = Self.randomBytes(1 << 20, &rng)
        var target = base
        target.replaceSubrange(500_000..<500_010, with: [1, 2, 3])
        target.append(contentsOf: Self.randomBytes(100, &rng))
        let d = try #require(Delta.create(base: base, target: target))
        #expect(d.count < 300)
        #expect(try Delta.apply(d, base: base) == target)
    }

    @Test func maxSizeAborts() {
        var rng = SeededRNG(state: 9)
        let base = Self.randomBytes(1000, &rng)
        #expect(Delta.create(base: base, target: Self.randomBytes(1000, &rng), maxSize: 400) == nil)
    }

    @Test func malformedDeltasAreRefused() {
        let base: [UInt8] = Array("hello world, this is the base".utf8)
        // copy 10 bytes from offset 25: outside a 29-byte base
        let outside: [UInt8] = [UInt8(base.count), 10, 0x91, 25, 10]
        #expect(throws: Delta.Error.self) { try Delta.apply(outside, base: base) }
        // wrong base size
        #expect(throws: Delta.Error.baseSizeMismatch(declared: 3, actual: base.count)) { try Delta.apply([3, 1, 1, 65], base: base) }
        // insert past the end of the delta
        #expect(throws: Delta.Error.self) { try Delta.apply([UInt8(base.count), 5, 5, 65], base: base) }
        // result shorter than declared
        #expect(throws: Delta.Error.self) { try Delta.apply([UInt8(base.count), 5, 1, 65], base: base) }
        // reserved opcode
        #expect(throws: Delta.Error.self) { try Delta.apply([UInt8(base.count), 1, 0], base: base) }
        // truncated header
        #expect(throws: Delta.Error.self) { try Delta.apply([0x80], base: base) }
    }
}

@Suite("Delta headers")
struct PackDeltaHeaderTests {
    @Test func hugeOrNegativeSizesAreRefused() {
        let huge: [UInt8] = [0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]
        #expect(throws: Delta.Error.self) { try Delta.apply(huge, base: []) }
        #expect(throws: Delta.Error.self) { try huge.withBytes { (d) throws(Delta.Error) in try Delta.sizes(d) } }
        #expect(throws: Delta.Error.tooLarge(1000, limit: 10)) { try Delta.apply([0, 0xE8, 0x07], base: [], limit: 10) }
    }
}
