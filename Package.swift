// swift-tools-version:6.0
import PackageDescription

// Layers, bottom to top (an arrow may only point down):
//   CPcap, CSodium, CBlake2, CMPI, CAllocator, NetAddress → Packet → Pcap → Routing → WireGuard → Sim → Report → Scenario
//   → Distributed → wgsim
// Routing and WireGuard never import Pcap, Sim, Scenario or the CLI.
let package = Package(
    name: "wgsim",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "wgsim", targets: ["wgsim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // Only for deriving static public keys off the packet path (StaticPublicKey.swift in
        // WireGuard): BoringSSL's fixed-base X25519 is about twice libsodium's speed here.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(name: "CPcap", path: "Sources/CPcap", pkgConfig: "libpcap",
                       providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "CSodium", path: "Sources/CSodium", pkgConfig: "libsodium",
                       providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CBlake2", path: "Sources/CBlake2", pkgConfig: "libb2",
                       providers: [.apt(["libb2-dev"])]),
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        // Plain C functions over the MPI handles Swift cannot import (MPI_COMM_WORLD is a macro).
        .target(name: "CMPIShim", dependencies: ["CMPI"]),
        // One C function: glibc's mmap threshold, which Swift cannot reach (<malloc.h>).
        .target(name: "CAllocator"),

        .target(name: "NetAddress"),
        .target(name: "Packet", dependencies: ["NetAddress"]),
        .target(name: "Pcap", dependencies: ["CPcap", "Packet"]),
        .target(name: "Routing", dependencies: ["NetAddress"]),
        .target(name: "WireGuard", dependencies: ["CSodium", "CBlake2", "Routing", "Packet",
                                                  .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Sim", dependencies: ["WireGuard", "Routing", "Packet", "Pcap", "CAllocator"]),
        // Report draws a run (report.html, `wgsim draw`) from what Sim recorded; it knows nothing
        // of scenario files: Scenario hands it plain values.
        .target(name: "Report", dependencies: ["Sim", "WireGuard", "Routing", "Packet"]),
        .target(name: "Scenario", dependencies: ["Sim", "Report", "WireGuard", "Routing", "Packet", "Pcap",
                                                 .product(name: "Yams", package: "Yams")]),
        // A run split over MPI ranks (docs/mpi.md): the partition, the window loop, the merge.
        .target(name: "Distributed", dependencies: ["Scenario", "Sim", "WireGuard", "NetAddress", "CMPIShim"]),
        .executableTarget(name: "wgsim", dependencies: [
            "Distributed", "Scenario", "Report", "Sim", "WireGuard", "Routing", "Packet", "Pcap",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Benchmarks: release-mode executables that print figures (see BENCHMARKS.md).
        .executableTarget(name: "RoutingBench", dependencies: ["Routing"], path: "Benchmarks/RoutingBench", exclude: ["RESULTS.md"]),
        .executableTarget(name: "PcapBench", dependencies: ["Pcap", "Packet"], path: "Benchmarks/PcapBench", exclude: ["RESULTS.md"]),
        .target(name: "BenchSupport", dependencies: ["WireGuard"], path: "Benchmarks/BenchSupport"),
        .executableTarget(name: "CryptoBench", dependencies: ["WireGuard", "CSodium", "BenchSupport"], path: "Benchmarks/CryptoBench", exclude: ["RESULTS.md"]),
        .executableTarget(name: "ReportBench", dependencies: ["Scenario", "Report", "Sim"], path: "Benchmarks/ReportBench", exclude: ["RESULTS.md"]),
        .executableTarget(name: "SimBench", dependencies: ["Scenario", "Sim", "WireGuard", "BenchSupport"], path: "Benchmarks/SimBench", exclude: ["RESULTS.md"]),

        .testTarget(name: "NetAddressTests", dependencies: ["NetAddress"]),
        .testTarget(name: "RoutingTests", dependencies: ["Routing"]),
        .testTarget(name: "PacketTests", dependencies: ["Packet"]),
        .testTarget(name: "PcapTests", dependencies: ["Pcap", "Packet"]),
        .testTarget(name: "WireGuardTests", dependencies: ["WireGuard", "Routing", "Packet", "Pcap"]),
        .testTarget(name: "SimTests", dependencies: ["Sim", "WireGuard", "Routing", "Packet"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Sim", "Routing"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "Sim"]),
        .testTarget(name: "wgsimTests", dependencies: ["wgsim"]),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed", "Scenario", "Sim", "Routing", "WireGuard"]),
    ],
    swiftLanguageModes: [.v5]
)
