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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
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
        // Remotes, transfer of missing objects, bundles.
        .target(name: "AccordSync", dependencies: ["AccordMerge", "AccordContracts", "AccordStore", "AccordTrust"]),
        // Reports, reminders and the to-do queue as data (rows, groups, per-currency totals) with
        // their renderers (table, CSV, JSON, HTML). Reads contracts; writes nothing.
        .target(name: "AccordReports", dependencies: ["AccordContracts", "AccordStore", "AccordObjects"]),
        // The command-line porcelain and plumbing.
        .executableTarget(name: "accord", dependencies: [
            "AccordStore", "AccordContracts", "AccordMerge", "AccordSync", "AccordSigning", "AccordReports", "AccordTrust",
            .product(name: "Yams", package: "Yams"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Builds large repositories for Benchmarks/contracts-vs-git.sh (not part of the tool).
        .executableTarget(name: "accord-bench-gen", dependencies: ["AccordContracts", "AccordSigning", "AccordTrust"], path: "Benchmarks/AccordBenchGen"),
        // Shared by the test targets only (seeded random numbers for property tests).
        .target(name: "AccordTestSupport", path: "Tests/AccordTestSupport"),
        .testTarget(name: "AccordObjectsTests", dependencies: ["AccordObjects", "AccordTestSupport"]),
        .testTarget(name: "AccordStoreTests", dependencies: ["AccordStore", "AccordTestSupport"],
                    resources: []),
        .testTarget(name: "AccordContractsTests", dependencies: ["AccordContracts"]),
        .testTarget(name: "AccordSigningTests", dependencies: ["AccordSigning", "AccordObjects"]),
        .testTarget(name: "AccordSyncTests", dependencies: ["AccordSync", "AccordMerge", "AccordTestSupport"]),
        .testTarget(name: "AccordCLITests", dependencies: ["accord", "AccordStore", "AccordTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
