import AsyncHTTPClient
import Dispatch
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One HTTP request and its answer, synchronously: the callers are the CLI's synchronous code
/// on the main thread, so the async work runs in a Task while this thread waits on a semaphore.
/// A client is made for each request and shut down after it: nothing outlives the call.
struct HTTPExchange: Sendable {
    let tls: TLSConfiguration?
    /// The Authorization header's value (never printed).
    let authorization: String?

    static let connectTimeout: TimeAmount = .seconds(10)
    /// How long an answer may go without a byte before the request is given up.
    static let readTimeout: TimeAmount = .seconds(60)

    struct Head {
        var status: Int
        var headers: HTTPHeaders
    }

    /// Sends the request; `head` sees the status and headers, `chunk` each piece of the body as it
    /// arrives (both on another thread while this one waits; either may throw to stop).
    func perform(method: HTTPMethod, url: String, headers: [(String, String)], body: [UInt8]?,
                 readTimeout: TimeAmount = HTTPExchange.readTimeout,
                 head: @escaping (Head) throws -> Void, chunk: @escaping (ByteBuffer) throws -> Void) throws {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: "git/2.0 (accord/1)")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        if let body { request.body = .bytes(body) }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            // Not followed: a redirect could carry the token to another server. Reported instead.
            redirectConfiguration: .disallow,
            timeout: .init(connect: Self.connectTimeout, read: readTimeout),
            decompression: .disabled)
        configuration.httpVersion = .automatic
        // A refused connection fails now, as git's does, instead of being retried until the
        // connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        let handlers = HTTPUnchecked((head, chunk))
        let outcome = HTTPUnchecked(Outcome())
        let done = DispatchSemaphore(value: 0)
        let req = request, config = configuration
        Task {
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
            do {
                let response = try await client.execute(req, deadline: .distantFuture)
                try handlers.value.0(Head(status: Int(response.status.code), headers: response.headers))
                for try await piece in response.body { try handlers.value.1(piece) }
            } catch {
                outcome.value.error = error
            }
            try? await client.shutdown()
            done.signal()
        }
        done.wait()
        if let e = outcome.value.error { throw Self.describe(e, url: url) }
    }

    /// Sends the request and returns the whole body of a 2xx answer (at most `limit` bytes,
    /// `what` naming it in the error); any other status is an error with the body's first line.
    func fetch(method: HTTPMethod, url: String, headers: [(String, String)], body: [UInt8]?, limit: Int, what: String,
               readTimeout: TimeAmount = HTTPExchange.readTimeout) throws -> [UInt8] {
        var collected: [UInt8] = []
        let status = HTTPUnchecked(StatusBox())
        try perform(method: method, url: url, headers: headers, body: body, readTimeout: readTimeout, head: { h in
            status.value.head = h
        }, chunk: { piece in
            let ok = status.value.head.map { (200..<300).contains($0.status) } ?? false
            // An error's body is only read for its first line.
            let max = ok ? limit : 4096
            guard collected.count + piece.readableBytes <= max else {
                if ok { throw TransportError.badRemote("\(url): the \(what) is larger than \(Self.size(limit)); refusing it") }
                collected += piece.readableBytesView.prefix(max - collected.count)
                return
            }
            collected += piece.readableBytesView
        })
        guard let h = status.value.head else { throw TransportError.badRemote("\(url): no answer") }
        try Self.check(h, body: collected, url: url)
        return collected
    }

    /// Turns a non-2xx status into the error the user reads.
    static func check(_ head: Head, body: [UInt8], url: String) throws {
        guard !(200..<300).contains(head.status) else { return }
        let line = firstLine(body)
        let said = line.isEmpty ? "" : ": \(line)"
        switch head.status {
        case 401:
            throw TransportError.badRemote("\(url): authentication failed (HTTP 401)\(said); give a token with ACCORD_TOKEN or 'accord credential store'")
        case 403:
            throw TransportError.badRemote("\(url): forbidden (HTTP 403)\(said)")
        case 300..<400:
            let to = head.headers.first(name: "Location").map { " to \($0)" } ?? ""
            throw TransportError.badRemote("\(url): HTTP \(head.status), redirected\(to); redirects are not followed, set the remote's url to the new address")
        default:
            throw TransportError.badRemote("\(url): HTTP \(head.status)\(said)")
        }
    }

    static func firstLine(_ body: [UInt8]) -> String {
        let line = body.prefix(while: { $0 != 0x0A && $0 != 0x0D }).prefix(300)
        return String(decoding: line, as: UTF8.self).httpTrimmedSpaces
    }

    static func size(_ n: Int) -> String {
        n >= 1 << 30 && n % (1 << 30) == 0 ? "\(n >> 30) GiB" : n >= 1 << 20 && n % (1 << 20) == 0 ? "\(n >> 20) MiB" : "\(n) bytes"
    }

    /// AsyncHTTPClient's and NIO's errors, worded for the user with the address they concern.
    static func describe(_ error: Error, url: String) -> Error {
        if error is TransportError { return error }
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout: return TransportError.badRemote("\(url): cannot connect within \(connectTimeout.nanoseconds / 1_000_000_000) seconds")
            case .readTimeout: return TransportError.badRemote("\(url): the server sent nothing for too long (read timeout)")
            case .remoteConnectionClosed: return TransportError.badRemote("\(url): the server closed the connection before its answer was complete")
            default: return TransportError.badRemote("\(url): \(e.shortDescription)")
            }
        }
        if let e = error as? NIOSSLError { return TransportError.badRemote("\(url): TLS failed: \(e)") }
        if let e = error as? BoringSSLError { return TransportError.badRemote("\(url): TLS failed: \(e)") }
        if let e = error as? NIOConnectionError {
            let first = e.connectionErrors.first.map { "\($0.error)" } ?? "\(e)"
            return TransportError.badRemote("\(url): cannot connect: \(first)")
        }
        if let e = error as? IOError {
            let text = String(cString: strerror(e.errnoCode))
            switch e.errnoCode {
            case ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ETIMEDOUT, EADDRNOTAVAIL:
                return TransportError.badRemote("\(url): cannot connect: \(text)")
            default:
                return TransportError.badRemote("\(url): \(text)")
            }
        }
        if error is CancellationError { return TransportError.badRemote("\(url): the request was cancelled") }
        // Our own handlers' errors (the protocol's, the store's) pass through as they are.
        return error
    }
}

private final class Outcome { var error: Error? }
private final class StatusBox { var head: HTTPExchange.Head? }

/// Hands values that are not Sendable to the Task of one request: the calling thread is blocked
/// until the Task ends, so they are never used from two threads at once.
struct HTTPUnchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

extension String {
    var httpTrimmedSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
