// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Accord",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "accord", targets: ["accord"]),
        .library(name: "AccordStore", targets: ["AccordStore"]),
        .library(name: "AccordObjects", targets: ["AccordObjects"]),
        .library(name: "AccordContracts", targets: ["AccordContracts"]),
        .library(name: "AccordMerge", targets: ["AccordMerge"]),
        .library(name: "AccordSync", targets: ["AccordSync"]),
        .library(name: "AccordSigning", targets: ["AccordSigning"]),
        .library(name: "AccordReports", targets: ["AccordReports"]),
        .library(name: "AccordTrust", targets: ["AccordTrust"]),
        .library(name: "AccordProtocol", targets: ["AccordProtocol"]),
        .library(name: "AccordHub", targets: ["AccordHub"]),
        .library(name: "AccordIndex", targets: ["AccordIndex"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // System zlib (Debian: zlib1g-dev).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        // Object ids, object encoding and strict decoding. No I/O.
        .target(name: "AccordObjects", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // SSH keys (OpenSSH format) and SSH signatures (SSHSIG) of commits and tags, as git's.
        .target(name: "AccordSigning", dependencies: [
            "AccordObjects",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Loose objects, packs, refs, repository, history, fsck, gc.
        .target(name: "AccordStore", dependencies: ["AccordObjects", "CZlib"]),
        // The organisation as signed, versioned data (people, keys, roles, offices, policies) on
        // refs/accord/organisation: reading, checking its history against the pinned root, publishing.
        .target(name: "AccordTrust", dependencies: ["AccordSigning", "AccordStore", "AccordObjects"]),
        // The contract domain: model, money, dates, lifecycle, records, invariants, tree encoding,
        // and the authority every commit needs once an organisation is adopted.
        .target(name: "AccordContracts", dependencies: ["AccordStore", "AccordTrust", "AccordSigning"]),
        // The field-level merge of contracts: writes, supersession, conflicts as multi-value registers.
        .target(name: "AccordMerge", dependencies: ["AccordContracts", "AccordStore", "AccordObjects"]),
        // git's wire protocol (pkt-lines, side-band, capabilities, protocol v2 ls-refs and fetch,
        // receive-pack commands and report-status), shared by the HTTP client and the hub. No I/O.
        .target(name: "AccordProtocol", dependencies: ["AccordObjects"]),
        // Remotes, transfer of missing objects (on this machine, or over HTTP(S) with git's smart
        // protocol), receiving a push behind a quarantine, bundles.
        .target(name: "AccordSync", dependencies: [
            "AccordMerge", "AccordContracts", "AccordStore", "AccordTrust", "AccordProtocol",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        // The hub: `accord serve`. Tokens, the changes feed, each caller's view, and the smart
        // HTTP routes on Hummingbird; the protocol logic (HubService) is testable without a socket.
        .target(name: "AccordHub", dependencies: [
            "AccordSync", "AccordProtocol", "AccordContracts", "AccordStore", "AccordTrust",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Reports, reminders and the to-do queue as data (rows, groups, per-currency totals) with
        // their renderers (table, CSV, JSON, HTML). Reads contracts; writes nothing.
        .target(name: "AccordReports", dependencies: ["AccordContracts", "AccordIndex", "AccordStore", "AccordObjects"]),
        // The query index: contracts' text (FTS5 trigram, for `accord search`) and the reports'
        // facts in SQLite (GRDB), rebuilt from the store by head commit (Debian: libsqlite3-dev).
        .target(name: "AccordIndex", dependencies: [
            "AccordContracts", "AccordStore", "AccordObjects",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The command-line porcelain and plumbing.
        .executableTarget(name: "accord", dependencies: [
            "AccordStore", "AccordContracts", "AccordMerge", "AccordSync", "AccordSigning", "AccordReports", "AccordTrust",
            "AccordProtocol", "AccordHub", "AccordIndex",
            .product(name: "Yams", package: "Yams"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Builds large repositories for Benchmarks/contracts-vs-git.sh (not part of the tool).
        .executableTarget(name: "accord-bench-gen", dependencies: ["AccordContracts", "AccordSigning", "AccordTrust"], path: "Benchmarks/AccordBenchGen"),
        // Shared by the test targets only (seeded random numbers for property tests).
        .target(name: "AccordTestSupport", path: "Tests/AccordTestSupport"),
        .target(name: "SQLiteProbe", dependencies: [.product(name: "GRDB", package: "GRDB.swift")], path: "Tests/SQLiteProbe"),
        .testTarget(name: "AccordObjectsTests", dependencies: ["AccordObjects", "AccordTestSupport"]),
        .testTarget(name: "AccordStoreTests", dependencies: ["AccordStore", "AccordTestSupport"],
                    resources: []),
        .testTarget(name: "AccordContractsTests", dependencies: ["AccordContracts", "AccordReports"]),
        .testTarget(name: "AccordSigningTests", dependencies: ["AccordSigning", "AccordObjects"]),
        .testTarget(name: "AccordSyncTests", dependencies: ["AccordSync", "AccordMerge", "AccordTestSupport"]),
        .testTarget(name: "AccordHubTests", dependencies: ["AccordHub", "AccordProtocol", "AccordSync", "AccordTestSupport"]),
        .testTarget(name: "AccordCLITests", dependencies: ["accord", "AccordStore", "AccordTestSupport", "SQLiteProbe"]),
    ],
    swiftLanguageModes: [.v6]
)
