import AccordProtocol
import AccordStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Prometheus

/// `accord serve`: git's smart HTTP protocol on Hummingbird. Routes are small; the protocol is
/// `HubService`'s. Every route, `/metrics` too, needs a token. Work that reads or writes the
/// repository runs off the event loops.
public enum HubServer {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 8417
        public var tlsCertificate: String?
        public var tlsKey: String?
        /// A connection that sends nothing for this long is closed (a slow or vanished client
        /// holds no resources; nothing is locked while a request body arrives).
        public var idleTimeout: Int64 = 60
        public init() {}
    }

    /// Runs until SIGTERM or SIGINT; in-flight requests finish first (graceful shutdown).
    /// `onRunning` gets the address it listens on (`http://127.0.0.1:PORT`).
    public static func run(_ service: HubService, options: Options, logger: Logger,
                           onRunning: @escaping @Sendable (String) -> Void) async throws {
        let metrics = HubMetrics()
        let router = Router(context: HubContext.self)
        router.add(middleware: HubMiddleware(service: service, logger: logger, metrics: metrics))
        routes(router.group(""), service: service, metrics: metrics)
        routes(router.group(":repository"), service: service, metrics: metrics)
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
        }
        let http1 = HTTP1Channel.Configuration(idleTimeout: .seconds(options.idleTimeout))
        var server: HTTPServerBuilder = .http1(configuration: http1)
        var scheme = "http"
        if let certPath = options.tlsCertificate, let keyPath = options.tlsKey {
            let chain = try NIOSSLCertificate.fromPEMFile(certPath).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
            let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            server = try .tls(.http1(configuration: http1), tlsConfiguration: tls)
            scheme = "https"
        }
        let url = scheme
        let app = Application(
            router: router, server: server,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "accord"),
            onServerRunning: { channel in
                onRunning("\(url)://\(options.host):\(channel.localAddress?.port ?? options.port)")
            },
            logger: logger)
        try await app.runService()
    }

    static func routes(_ group: RouterGroup<HubContext>, service: HubService, metrics: HubMetrics) {
        group.get("info/refs") { request, context in
            let caller = try context.requireCaller()
            switch request.uri.queryParameters["service"].map(String.init) {
            case "git-upload-pack":
                guard (request.headers[HubHTTP.gitProtocol] ?? "").contains("version=2") else {
                    throw HubService.Failure(400, "this hub speaks git protocol version 2 for fetches: use git 2.26 or later, or set protocol.version=2")
                }
                return HubHTTP.bytes(UploadPackV2.advertisement(), type: "application/x-git-upload-pack-advertisement")
            case "git-receive-pack":
                let body = try await HubHTTP.offload { try service.receiveAdvertisement(caller: caller) }
                return HubHTTP.bytes(body, type: "application/x-git-receive-pack-advertisement")
            default:
                throw HubService.Failure(403, "this hub serves only the smart protocol (info/refs?service=git-upload-pack or git-receive-pack)")
            }
        }
        group.post("git-upload-pack") { request, context in
            let caller = try context.requireCaller()
            var request = request
            let body = try await HubHTTP.body(&request, limit: service.limits.maxRequestBytes)
            let answer = try await HubHTTP.offload { try service.uploadPack(body, caller: caller) }
            guard let packPath = answer.packPath else { return HubHTTP.bytes(answer.head, type: "application/x-git-upload-pack-result") }
            metrics.fetches.increment()
            return Response(status: .ok, headers: [.contentType: "application/x-git-upload-pack-result", .cacheControl: "no-cache"],
                            body: ResponseBody { writer in
                defer { answer.cleanup() }
                try await writer.write(ByteBuffer(bytes: answer.head))
                let fd = open(packPath, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw HubService.Failure(500, "cannot open the pack written for this fetch") }
                defer { close(fd) }
                var chunk = [UInt8](repeating: 0, count: SideBand.chunk)
                var out: [UInt8] = []
                while true {
                    let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    guard n > 0 else { break }
                    out.removeAll(keepingCapacity: true)
                    SideBand.append(chunk[0..<n], band: SideBand.data, to: &out)
                    try await writer.write(ByteBuffer(bytes: out))
                }
                var end: [UInt8] = []
                PktLine.flush(&end)
                try await writer.write(ByteBuffer(bytes: end))
                try await writer.finish(nil)
            })
        }
        group.post("git-receive-pack") { request, context in
            let caller = try context.requireCaller()
            var request = request
            let body = try await HubHTTP.body(&request, limit: service.limits.maxPushBytes)
            let (answer, changes) = try await HubHTTP.offload { try service.receivePack(body, caller: caller) }
            for c in changes {
                if c.status == .rejected {
                    metrics.refused.increment()
                    context.logger.warning("push refused", metadata: ["person": .string(caller.person.email), "ref": .string(c.ref), "reason": .string(c.reason ?? "")])
                } else if c.status != .upToDate {
                    metrics.accepted.increment()
                }
            }
            return HubHTTP.bytes(answer, type: "application/x-git-receive-pack-result")
        }
        group.get("accord/changes") { request, context in
            let caller = try context.requireCaller()
            let q = request.uri.queryParameters
            var sinceValue: Int?
            if let s = q["since"], s != "latest" {
                guard let n = Int(s), n >= 0 else { throw HubService.Failure(400, "since=\(s.prefix(40)) is not a sequence number (0 or more, or 'latest')") }
                sinceValue = n
            }
            var waitValue = 0.0
            if let w = q["wait"] {
                guard let n = Double(w), n >= 0, n.isFinite else { throw HubService.Failure(400, "wait=\(w.prefix(40)) is not a number of seconds") }
                waitValue = n
            }
            let (since, wait) = (sinceValue, waitValue)
            let body = try await HubHTTP.offload { service.changes(since: since, wait: wait, caller: caller) }
            return HubHTTP.bytes(body, type: "application/json")
        }
    }
}

/// The request context: who the caller is, once the middleware has authenticated them.
public struct HubContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var caller: Caller?
    public init(source: Source) { coreContext = .init(source: source) }

    func requireCaller() throws -> Caller {
        guard let caller else { throw HubService.Failure(401, "authentication required") }
        return caller
    }
}

/// Authentication of every request, the access log and the request metrics.
struct HubMiddleware: RouterMiddleware {
    let service: HubService
    let logger: Logger
    let metrics: HubMetrics

    func handle(_ request: Request, context: HubContext, next: (Request, HubContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        var response: Response
        do {
            let header = request.headers[.authorization]
            context.caller = try await HubHTTP.offload { [service] in try service.authenticate(header) }
            response = try await next(request, context)
        } catch let f as HubService.Failure {
            if f.status == 401 || f.status == 403 {
                metrics.authFailures.increment()
                logger.warning("refused", metadata: ["method": .string("\(request.method)"), "path": .string(request.uri.path),
                                                     "status": .stringConvertible(f.status), "reason": .string(f.message),
                                                     "person": .string(context.caller?.person.email ?? "-")])
            }
            response = HubHTTP.failure(f)
        } catch let e as HTTPError {
            response = HubHTTP.failure(HubService.Failure(Int(e.status.code), e.body ?? "\(e.status)"))
        } catch {
            metrics.errors.increment()
            logger.error("request failed", metadata: ["path": .string(request.uri.path), "error": .string("\(error)")])
            response = HubHTTP.failure(HubService.Failure(500, "internal error: \(error)"))
        }
        let elapsed = ContinuousClock.now - start
        metrics.requests.increment()
        metrics.latency.record(elapsed)
        logger.info("\(request.method) \(request.uri.path) \(response.status.code)", metadata: [
            "person": .string(context.caller?.person.email ?? "-"),
            "ms": .stringConvertible(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000),
        ])
        return response
    }
}

/// The hub's Prometheus metrics.
final class HubMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let requests: Counter, authFailures: Counter, errors: Counter, accepted: Counter, refused: Counter, fetches: Counter
    let latency: DurationHistogram

    init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(descriptor: .init(namespace: "accord", subsystem: "hub", metricName: name, unitName: "total", helpText: help))
        }
        requests = counter("requests", "Requests answered")
        authFailures = counter("auth_failures", "Requests refused for want of a valid token or right")
        errors = counter("errors", "Requests that failed inside the hub")
        accepted = counter("push_refs_accepted", "Contract refs moved by pushes")
        refused = counter("push_refs_refused", "Contract refs a push asked for and the hub refused")
        fetches = counter("fetches", "Packs sent")
        latency = registry.makeDurationHistogram(
            descriptor: .init(namespace: "accord", subsystem: "hub", metricName: "request_duration", unitName: "seconds", helpText: "Time to answer a request"),
            buckets: [.milliseconds(5), .milliseconds(20), .milliseconds(100), .milliseconds(500), .seconds(2), .seconds(10)])
    }
}

enum HubHTTP {
    // A constant name that is a valid token (so the initialiser cannot fail).
    static let gitProtocol = HTTPField.Name("Git-Protocol")!

    static func bytes(_ b: [UInt8], type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: .init(byteBuffer: ByteBuffer(bytes: b)))
    }

    static func failure(_ f: HubService.Failure) -> Response {
        if f.asPacket {
            var body: [UInt8] = []
            PktLine.append(line: "ERR \(f.message)", to: &body)
            return Response(status: .ok, headers: [.contentType: "application/x-git-upload-pack-result"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        if f.status == 401 { headers[.wwwAuthenticate] = "Basic realm=\"Accord hub\", charset=\"UTF-8\"" }
        return Response(status: .init(code: f.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: f.message + "\n")))
    }

    /// The request body, at most `limit` bytes (gunzipped when git sent it gzipped, with the
    /// same limit on what it inflates to).
    static func body(_ request: inout Request, limit: Int) async throws -> [UInt8] {
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: limit) } catch is NIOTooManyBytesError {
            throw HubService.Failure(413, "the request is larger than this hub takes (\(limit) bytes)")
        } catch {
            // The client went away mid-body: its fault, not the hub's (no error logged or
            // counted), and nothing of the request was used.
            throw HubService.Failure(400, "the request body ended early: \(error)")
        }

        let raw = Array(buffer.readableBytesView)
        guard request.headers[.contentEncoding]?.lowercased() == "gzip" else { return raw }
        var out: [UInt8] = []
        do {
            _ = try raw.withUnsafeBytes { p in
                try Zlib.inflate(p, limit: limit, gzip: true) { chunk in out.append(contentsOf: chunk) }
            }
        } catch {
            throw HubService.Failure(400, "the gzipped request body does not inflate: \(error)")
        }
        return out
    }

    /// Runs blocking repository work on a dispatch queue, not on an event loop or the
    /// concurrency pool.
    static func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { cont in
            DispatchQueue.global().async {
                do { cont.resume(returning: try body()) } catch { cont.resume(throwing: error) }
            }
        }
    }
}
