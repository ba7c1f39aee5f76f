/// side-band-64k (gitprotocol-pack(5)): each data packet starts with a band byte, 1 pack data,
/// 2 progress, 3 a fatal error.
public enum SideBand {
    public static let data: UInt8 = 1, progress: UInt8 = 2, error: UInt8 = 3
    /// Payload per packet: the pkt-line maximum less the band byte.
    public static let chunk = Pkt.maxPayload - 1

    /// Appends `bytes` on `band`, split into as many packets as needed.
    public static func append(_ bytes: some Collection<UInt8>, band: UInt8, to out: inout [UInt8]) {
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let j = bytes.index(i, offsetBy: chunk, limitedBy: bytes.endIndex) ?? bytes.endIndex
            PktLine.append([band] + bytes[i..<j], to: &out)
            i = j
        }
    }
}

/// Parses pkt-lines from bytes that arrive in pieces (an HTTP response body), packet by packet.
public struct PktStream {
    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    public mutating func feed(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// True when nothing unparsed remains.
    public var isEmpty: Bool { start >= buffer.count }

    /// The next complete packet, or nil if more bytes are needed.
    public mutating func next() throws(ProtocolError) -> Pkt? {
        guard let (pkt, size) = try PktLine.decode(buffer, at: start) else { compact(); return nil }
        start += size
        return pkt
    }

    private mutating func compact() {
        if start > 0 && start >= buffer.count / 2 { buffer.removeFirst(start); start = 0 }
    }
}
