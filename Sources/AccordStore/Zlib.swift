import AccordObjects
import CZlib

/// zlib streams, as git stores loose objects and pack entries.
public enum Zlib {
    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        case corrupt(String)
        case truncated
        case tooLarge(limit: Int)
        case trailingData

        public var description: String {
            switch self {
            case let .corrupt(m): "zlib data is corrupt (\(m))"
            case .truncated: "zlib data is truncated"
            case let .tooLarge(limit): "zlib data inflates past the limit of \(limit) bytes"
            case .trailingData: "zlib stream is followed by unexpected data"
            }
        }
    }

    /// Compresses `input` as one zlib stream.
    public static func deflate(_ input: UnsafeRawBufferPointer, level: Int32 = 1) -> [UInt8] {
        var bound = Int(compressBound(uLong(input.count)))
        var out = [UInt8](repeating: 0, count: bound)
        let rc = out.withUnsafeMutableBytes { o in
            var destLen = uLongf(bound)
            let r = compress2(o.baseAddress!.assumingMemoryBound(to: Bytef.self), &destLen,
                              input.baseAddress?.assumingMemoryBound(to: Bytef.self) ?? UnsafePointer(bitPattern: 1), uLong(input.count), level)
            bound = Int(destLen)
            return r
        }
        precondition(rc == Z_OK, "compress2 failed with \(rc)") // only fails on bad arguments or OOM
        out.removeSubrange(bound...)
        return out
    }

    public static func deflate(_ input: [UInt8], level: Int32 = 1) -> [UInt8] {
        input.withUnsafeBytes { deflate($0, level: level) }
    }

    /// Inflates one zlib stream at the start of `input`.
    /// - Parameters:
    ///   - expectedSize: when known (pack entries), the exact size the output must have.
    ///   - limit: refuse to produce more than this many bytes (zip-bomb guard).
    /// - Returns: the output and how many input bytes the stream used.
    public static func inflate(_ input: UnsafeRawBufferPointer, expectedSize: Int? = nil,
                               limit: Int) throws(Error) -> (output: [UInt8], consumed: Int) {
        var out: [UInt8] = []
        let consumed = try inflate(input, expectedSize: expectedSize, limit: limit) { chunk in
            out.append(contentsOf: chunk)
        }
        return (out, consumed)
    }

    /// Streaming form: hands out decompressed chunks as they come; returns input bytes used.
    /// `gzip`: the input is a gzip member (an HTTP body with `Content-Encoding: gzip`), not a zlib stream.
    public static func inflate(_ input: UnsafeRawBufferPointer, expectedSize: Int? = nil, limit: Int, gzip: Bool = false,
                               sink: (UnsafeRawBufferPointer) throws(Error) -> Void) throws(Error) -> Int {
        var stream = z_stream()
        let initialised = gzip ? inflateInit2_(&stream, 31, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            : inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initialised == Z_OK else {
            throw .corrupt("inflateInit failed")
        }
        defer { inflateEnd(&stream) }
        let empty: UInt8 = 0
        let chunkSize = min(max(expectedSize ?? 65536, 64), 1 << 20) + 1
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var total = 0
        return try withUnsafePointer(to: empty) { (emptyPtr) throws(Error) -> Int in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self) ?? emptyPtr)
            stream.avail_in = uInt(min(input.count, Int(UInt32.max)))
            while true {
                let (rc, produced) = chunk.withUnsafeMutableBytes { c -> (Int32, Int) in
                    stream.next_out = c.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(c.count)
                    let rc = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (rc, c.count - Int(stream.avail_out))
                }
                if produced > 0 {
                    total += produced
                    if total > limit { throw .tooLarge(limit: limit) }
                    if let expectedSize, total > expectedSize { throw .corrupt("inflates to more than the \(expectedSize) bytes declared") }
                    try chunk.withBytes { (c) throws(Error) in try sink(UnsafeRawBufferPointer(rebasing: c[0..<produced])) }
                }
                switch rc {
                case Z_STREAM_END:
                    if let expectedSize, total != expectedSize {
                        throw .corrupt("inflates to \(total) bytes, \(expectedSize) declared")
                    }
                    return Int(stream.total_in)
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    if stream.avail_in == 0 { throw .truncated }
                    continue
                case Z_NEED_DICT: throw .corrupt("needs a preset dictionary")
                default:
                    let msg = stream.msg.map { String(cString: $0) } ?? "error \(rc)"
                    throw .corrupt(msg)
                }
            }
        }
    }
}

/// A streaming deflater for writing packs without holding them in memory.
/// (zlib keeps a pointer back to its z_stream, so the stream lives at a fixed heap address.)
public final class Deflater {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private var buffer = [UInt8](repeating: 0, count: 65536)

    public init(level: Int32) {
        stream.initialize(to: z_stream())
        let rc = deflateInit_(stream, level, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(rc == Z_OK, "deflateInit failed with \(rc)")
    }

    deinit { deflateEnd(stream); stream.deallocate() }

    /// Compresses one whole stream of `input`, handing compressed chunks to `sink`, then resets.
    public func compress(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let empty: UInt8 = 0
        try withUnsafePointer(to: empty) { emptyPtr in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self) ?? emptyPtr)
            stream.pointee.avail_in = uInt(input.count)
            while true {
                let (rc, produced) = buffer.withUnsafeMutableBytes { b -> (Int32, Int) in
                    stream.pointee.next_out = b.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_out = uInt(b.count)
                    let rc = CZlib.deflate(stream, Z_FINISH)
                    return (rc, b.count - Int(stream.pointee.avail_out))
                }
                if produced > 0 { try buffer.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
                if rc == Z_STREAM_END { break }
                precondition(rc == Z_OK || rc == Z_BUF_ERROR, "deflate failed with \(rc)")
            }
        }
        deflateReset(stream)
    }
}

extension Zlib {
    /// Inflates a stream whose decompressed size is known exactly (pack entries, deltas).
    /// Allocates once; more or fewer bytes than `size` is corruption.
    public static func inflateExact(_ input: UnsafeRawBufferPointer, size: Int) throws(Error) -> (output: [UInt8], consumed: Int) {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("inflateInit failed")
        }
        defer { inflateEnd(&stream) }
        var probe: UInt8 = 0
        var failure: Error?
        var consumed = 0
        let out = [UInt8](unsafeUninitializedCapacity: size) { buf, initialized in
            initialized = 0
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(min(input.count, Int(UInt32.max)))
            stream.next_out = buf.baseAddress
            stream.avail_out = uInt(size)
            while true {
                let rc = CZlib.inflate(&stream, Z_NO_FLUSH)
                if rc == Z_STREAM_END {
                    if stream.avail_out != 0 { failure = .corrupt("inflates to \(size - Int(stream.avail_out)) bytes, \(size) declared") }
                    break
                }
                if rc == Z_OK || rc == Z_BUF_ERROR {
                    if stream.avail_out == 0 {
                        // Output full but the stream has not ended: one more byte would be too many.
                        let r2 = withUnsafeMutablePointer(to: &probe) { p -> Int32 in
                            stream.next_out = p; stream.avail_out = 1
                            return CZlib.inflate(&stream, Z_NO_FLUSH)
                        }
                        if r2 == Z_STREAM_END && stream.avail_out == 1 { break }
                        failure = stream.avail_out == 0 ? .corrupt("inflates to more than the \(size) bytes declared")
                            : (r2 == Z_BUF_ERROR ? .truncated : .corrupt("error \(r2)"))
                        break
                    }
                    if stream.avail_in == 0 { failure = .truncated; break }
                    continue
                }
                failure = .corrupt(stream.msg.map { String(cString: $0) } ?? "error \(rc)")
                break
            }
            initialized = failure == nil ? size : 0
            consumed = Int(stream.total_in)
        }
        if let failure { throw failure }
        return (out, consumed)
    }
}
