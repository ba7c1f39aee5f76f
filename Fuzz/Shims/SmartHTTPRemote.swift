// FUZZ-ONLY STUB. Not Accord's HTTP client; used only by scripts/fuzz, compiled into the fuzz
// build's AccordSync module in place of Sources/AccordSync/HTTP/SmartHTTPRemote.swift and
// HTTPExchange.swift, which import AsyncHTTPClient and NIO (Core, HTTP1, Posix, SSL). The script
// builds neither with swiftc, and no fuzz target goes over HTTP.
//
// It declares what Sources/AccordSync/Transport/*.swift use of SmartHTTPRemote (Remote.swift,
// HTTPTransfer.swift and Transfer.clone), with the same signatures, so that code compiles unchanged:
//   - `isHTTP(_:)` is the real check (HTTPURL.hasHTTPScheme; HTTPURL.swift is compiled as is);
//   - the initialiser always throws TransportError.badRemote, so no instance ever exists, and
//     Remote.add, Remote.http, Transfer.clone and push with an http(s) URL fail with that error;
//   - every method throws the same error (unreachable without an instance).
// Kept in step with the real type's public API by the compiler: if Transport/ uses a member this
// file lacks, the fuzz build of AccordSync fails.
import AccordObjects
import AccordProtocol
import AccordStore

public final class SmartHTTPRemote: @unchecked Sendable {
    public let url: String

    static let unavailable = "HTTP remotes are not built into the fuzz targets (Fuzz/Shims/SmartHTTPRemote.swift)"

    public init(url: String, environment: [String: String], caFile: String? = nil) throws {
        throw TransportError.badRemote("'\(url)': \(Self.unavailable)")
    }

    public static func isHTTP(_ url: String) -> Bool { HTTPURL.hasHTTPScheme(url) }

    public func lsRefs(prefixes: [String]) throws -> [UploadPackV2.Ref] {
        throw TransportError.badRemote(Self.unavailable)
    }

    public func fetchPack(wants: [ObjectID], haves: [ObjectID], into repo: Repository, progress: TransferProgress?) throws -> PackTransfer.Received {
        throw TransportError.badRemote(Self.unavailable)
    }

    public func receivePackAdvertisement() throws -> (refs: [(name: String, id: ObjectID)], capabilities: [String]) {
        throw TransportError.badRemote(Self.unavailable)
    }

    public func push(_ commands: [PushReceiver.Command], pack: [UInt8], atomic: Bool, progress: TransferProgress?) throws -> [RefChange] {
        throw TransportError.badRemote(Self.unavailable)
    }

    public func changes(since: Int?, wait: Int?) throws -> ChangesFeedPage {
        throw TransportError.badRemote(Self.unavailable)
    }
}
