import AccordObjects
import AccordTestSupport

extension Array where Element == UInt8 {
    init(_ s: String) { self = Array(s.utf8) }
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// A well-formed identity line.
let sampleIdentity = Identity(name: "A U Thor", email: "author@example.com", seconds: 1_700_000_000, offsetMinutes: 480)

func randomID<R: RandomNumberGenerator>(_ rng: inout R) -> ObjectID {
    ObjectID(w0: rng.next(), w1: rng.next(), w2: rng.next(), w3: rng.next())
}

/// An entry id for trees built by hand.
let someID = ObjectID(hex: String(repeating: "ab", count: 32))!

/// Raw tree bytes from (mode text, name bytes, id) triples, in the order given (not sorted).
func rawTree(_ entries: [(String, [UInt8], ObjectID)]) -> [UInt8] {
    var out: [UInt8] = []
    for (mode, name, id) in entries {
        out += Array(mode.utf8)
        out.append(0x20)
        out += name
        out.append(0)
        out += id.bytes
    }
    return out
}
