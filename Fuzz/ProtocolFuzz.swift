// libFuzzer target: the git wire protocol parsers (AccordProtocol), every one on each input.
// Server side (what a hub reads from a client): pkt-line framing (PktReader, and PktStream fed
// in pieces), ReceivePack.parseRequest (a push), UploadPackV2.CommandRequest.parse (a v2
// request) and the ls-refs and fetch argument parsers. Client side (what a replica reads from a
// hub): ReceivePack.parseAdvertisement and parseReportStatus (plain and side-band), the v2
// advertisement check, parseLsRefs, and FetchResponseReader (side-band demultiplexing).
// Thrown errors are expected (a typed ProtocolError; FetchResponseReader.feed is untyped and is
// checked to throw one); a crash, hang or sanitizer report is a finding, and so is a broken
// consistency check below (each one holds by construction of the parser and its encoder):
//   - the packets read, written again with PktLine, give the input's bytes (length digits
//     lowercased: the reader accepts A-F);
//   - PktStream fed in pieces yields the packets PktReader does, and fails where it fails;
//   - a parsed push request, a v2 request, ls-refs and fetch arguments and an ls-refs answer,
//     written with the module's encoders, parse back to the same values;
//   - FetchResponseReader gives the same pack bytes, progress and outcome fed whole or in pieces.
// Not checked as round trips: report-status (the encoder flattens reasons to one line of 1,000
// characters) and a push advertisement whose ref names hold a NUL (the first line's NUL starts
// the capabilities).
import AccordObjects
import AccordProtocol

/// The packets of `bytes` up to the end, and the error that stopped the reading, if any.
func readAll(_ bytes: [UInt8]) -> (pkts: [Pkt], end: Int, error: ProtocolError?) {
    var r = PktReader(bytes)
    var pkts: [Pkt] = []
    do {
        while let p = try r.next() { pkts.append(p) }
    } catch {
        return (pkts, r.offset, error)
    }
    return (pkts, r.offset, nil)
}

func encode(_ pkts: [Pkt]) -> [UInt8] {
    var out: [UInt8] = []
    for p in pkts {
        switch p {
        case let .data(d): PktLine.append(d, to: &out)
        case .flush: PktLine.flush(&out)
        case .delim: PktLine.delim(&out)
        case .responseEnd: out.append(contentsOf: Array("0002".utf8))
        }
    }
    return out
}

/// Piece sizes from the input's length, so a seed is cut the same way on every run.
func pieces(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
    var out: [ArraySlice<UInt8>] = []
    var i = 0, k = bytes.count
    while i < bytes.count {
        k = (k &* 1103515245 &+ 12345) & 0x7fffffff
        let n = min(1 + k % 7, bytes.count - i)
        out.append(bytes[i..<(i + n)]); i += n
    }
    return out
}

func checkFraming(_ bytes: [UInt8]) {
    let whole = readAll(bytes)
    for p in whole.pkts {
        if case let .data(d) = p { precondition(d.count <= Pkt.maxPayload, "a data packet of \(d.count) bytes") }
    }
    // written again: the bytes read, with their length digits in lowercase
    var expected = Array(bytes[..<whole.end])
    var at = 0
    for p in whole.pkts {
        for j in at..<(at + 4) where (0x41...0x46).contains(expected[j]) { expected[j] += 0x20 }
        if case let .data(d) = p { at += 4 + d.count } else { at += 4 }
    }
    precondition(at == whole.end, "packets of \(at) bytes, the reader's offset is \(whole.end)")
    precondition(encode(whole.pkts) == expected, "packets written again differ from the \(whole.end) bytes read")

    // the same packets fed in pieces
    var s = PktStream()
    var streamed: [Pkt] = []
    var streamError: ProtocolError?
    feeding: for piece in pieces(bytes) {
        s.feed(piece)
        do {
            while let p = try s.next() { streamed.append(p) }
        } catch {
            streamError = error
            break feeding
        }
    }
    precondition(streamed == whole.pkts, "PktStream read \(streamed.count) packets, PktReader \(whole.pkts.count)")
    if let e = whole.error {
        // PktReader fails on a bad length (PktStream too) or on a packet cut short by the end
        // (PktStream waits for more bytes)
        if streamError == nil {
            precondition(!s.isEmpty, "PktReader failed (\(e)); PktStream consumed everything")
        } else {
            // the same kind of error (the byte offsets in the messages are PktStream's own: it
            // drops the bytes it has read)
            switch (streamError!, e) {
            case (.malformed, .malformed), (.unsupported, .unsupported), (.limit, .limit): break
            default: preconditionFailure("PktStream failed with \(streamError!), PktReader with \(e)")
            }
        }
    } else {
        precondition(streamError == nil && s.isEmpty, "PktStream failed or has bytes left where PktReader read to the end")
    }
}

func checkReceivePack(_ body: [UInt8]) {
    _ = try? ReceivePack.parseAdvertisement(body)
    _ = try? ReceivePack.parseReportStatus(body, sideBand: false)
    var progress = 0
    _ = try? ReceivePack.parseReportStatus(body, sideBand: true, progress: { progress += $0.utf8.count })

    if let adv = try? ReceivePack.parseAdvertisement(body), !adv.refs.contains(where: { $0.name.utf8.contains(0) }) {
        let again = try? ReceivePack.parseAdvertisement(ReceivePack.advertisement(adv.refs))
        precondition(again.map { $0.refs.map(\.name) == adv.refs.map(\.name) && $0.refs.map(\.id) == adv.refs.map(\.id) } == true,
                     "an advertisement of the \(adv.refs.count) refs read does not read back to them")
    }

    guard let req = try? ReceivePack.parseRequest(body) else { return }
    for c in req.commands { precondition(!c.ref.isEmpty, "a push command with an empty ref") }
    precondition(req.pack.count <= body.count, "a pack longer than the request")
    // Written again (the first command carries the capabilities), it reads back to the same
    // request, unless the first ref ends in LF: the parser strips an LF before the NUL, so that
    // one cannot be written.
    guard body.count < 60_000, req.commands.first?.ref.utf8.last != 0x0A else { return }
    let bytes = ReceivePack.request(req.commands, capabilities: req.capabilities, pack: Array(req.pack))
    guard let again = try? ReceivePack.parseRequest(bytes) else {
        preconditionFailure("a push request of \(req.commands.count) commands, written again, does not parse")
    }
    precondition(again.commands == req.commands, "push commands differ after writing and reading again")
    precondition(again.capabilities == req.capabilities, "push capabilities differ after writing and reading again")
    precondition(again.pack == req.pack, "the pack differs after writing and reading again")
}

func checkV2(_ body: [UInt8]) {
    _ = try? UploadPackV2.checkAdvertisement(body)

    if let refs = try? UploadPackV2.parseLsRefs(body) {
        let again = try? UploadPackV2.parseLsRefs(UploadPackV2.lsRefsResponse(refs))
        precondition(again == refs, "an ls-refs answer of \(refs.count) refs, written again, reads differently")
    }

    guard let req = try? UploadPackV2.CommandRequest.parse(body) else { return }
    if body.count < 60_000 {
        let again = try? UploadPackV2.CommandRequest.parse(UploadPackV2.request(command: req.command, arguments: req.arguments))
        precondition(again?.command == req.command && again?.arguments == req.arguments,
                     "v2 request '\(req.command)' with \(req.arguments.count) arguments, written again, reads differently")
    }
    // every request's arguments through both argument parsers, not only the command's own
    if let ls = try? UploadPackV2.LsRefsRequest(arguments: req.arguments) {
        precondition((try? UploadPackV2.LsRefsRequest(arguments: ls.arguments)) == ls, "ls-refs arguments do not read back")
        _ = ls.wants("refs/contracts/C-1")
    }
    if let f = try? UploadPackV2.FetchRequest(arguments: req.arguments) {
        // `arguments` always asks for ofs-delta and never for thin-pack: those two are not compared
        guard let g = try? UploadPackV2.FetchRequest(arguments: f.arguments) else {
            preconditionFailure("fetch arguments written again do not parse")
        }
        precondition(g.wants == f.wants && g.haves == f.haves && g.done == f.done && g.noProgress == f.noProgress
                     && g.includeTag == f.includeTag, "fetch arguments do not read back")
        _ = UploadPackV2.fetchResponseHead(request: f, common: Array(f.haves.prefix(3)))
    }
}

struct FetchOutcome: Equatable {
    var pack: [UInt8] = []
    var progress: [String] = []
    var failed = false
    var finished = false
}

func fetchResponse(_ chunks: [ArraySlice<UInt8>]) -> FetchOutcome {
    var r = UploadPackV2.FetchResponseReader()
    var o = FetchOutcome()
    for c in chunks {
        do {
            try r.feed(c, pack: { o.pack += $0 }, progress: { o.progress.append($0) })
        } catch {
            precondition(error is ProtocolError, "FetchResponseReader threw \(type(of: error)), not a ProtocolError")
            o.failed = true
            break
        }
    }
    o.finished = r.finished
    return o
}

func checkFetchResponse(_ body: [UInt8]) {
    let whole = fetchResponse([body[...]])
    let pieced = fetchResponse(pieces(body))
    precondition(whole.pack == pieced.pack, "fetch response: band-1 bytes differ fed whole (\(whole.pack.count)) and in pieces (\(pieced.pack.count))")
    precondition(whole == pieced, "fetch response: outcome differs fed whole and in pieces")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for p in (readAll(bytes).pkts.prefix(64)) { _ = p.text }
    checkFraming(bytes)
    checkReceivePack(bytes)
    checkV2(bytes)
    checkFetchResponse(bytes)
    return 0
}
