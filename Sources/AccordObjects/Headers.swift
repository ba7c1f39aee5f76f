/// The header block shared by commits and tags: `key value` lines, continuation lines start
/// with a space, a blank line, then the message.
struct HeaderBlock {
    var headers: [(key: String, value: [UInt8])] = []
    var message: [UInt8] = []
    /// No blank line after the headers (git accepts such an object; it then has no message).
    var headersOnly = false

    static func parse(_ data: UnsafeRawBufferPointer, type: ObjectType) throws(ObjectError) -> HeaderBlock {
        var block = HeaderBlock()
        var i = 0
        let n = data.count
        while true {
            guard i < n else { // no blank line, no message at all
                block.headersOnly = true
                return block
            }
            if data[i] == 0x0A { // blank line: the message follows
                block.message = Array(data[(i + 1)...])
                return block
            }
            guard let nl = data[i...].firstIndex(of: 0x0A) else {
                throw .malformed(type, "header line \(block.headers.count + 1) not terminated by a newline")
            }
            if data[i] == 0x20 {
                guard !block.headers.isEmpty else { throw .malformed(type, "continuation line before any header") }
                block.headers[block.headers.count - 1].value.append(0x0A)
                block.headers[block.headers.count - 1].value.append(contentsOf: data[(i + 1)..<nl])
            } else {
                guard let sp = data[i..<nl].firstIndex(of: 0x20) else {
                    throw .malformed(type, "header line \(block.headers.count + 1) has no value")
                }
                if data[i..<sp].contains(0) { throw .malformed(type, "NUL in header name") }
                // Header names are ASCII words in every object git writes; a name that is not
                // UTF-8 could not be written back as it was.
                guard let key = String(validating: data[i..<sp], as: UTF8.self) else {
                    throw .malformed(type, "header name on line \(block.headers.count + 1) is not UTF-8")
                }
                block.headers.append((key, Array(data[(sp + 1)..<nl])))
            }
            i = nl + 1
        }
    }

    /// `headersOnly` (with an empty message) writes no blank line, as the object was read.
    static func encode(_ headers: [(key: String, value: [UInt8])], message: [UInt8], headersOnly: Bool = false,
                       into out: inout [UInt8]) {
        for (k, v) in headers {
            out.append(contentsOf: k.utf8)
            out.append(0x20)
            for b in v {
                out.append(b)
                if b == 0x0A { out.append(0x20) } // continuation line
            }
            out.append(0x0A)
        }
        if headersOnly && message.isEmpty { return }
        out.append(0x0A)
        out.append(contentsOf: message)
    }
}

func parseID(_ value: [UInt8], _ what: String, _ type: ObjectType) throws(ObjectError) -> ObjectID {
    // git writes lowercase hex only; fsck refuses anything else.
    guard value.count == 64, value.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }),
          let id = ObjectID(hex: String(decoding: value, as: UTF8.self)) else {
        throw .malformed(type, "bad \(what) id '\(String(decoding: value.prefix(80), as: UTF8.self))'")
    }
    return id
}
