// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: lwscript -> Bridge -> Numerics -> CBLAS, CZlib; Bridge -> CLua.
// Numerics never sees Lua. System libraries come from Debian (see scripts/setup).
let package = Package(
    name: "lwscript",
    products: [
        .executable(name: "lwscript", targets: ["lwscript"]),
        .library(name: "Numerics", targets: ["Numerics"]),
        .library(name: "Bridge", targets: ["Bridge"]),
    ],
    targets: [
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4",
                       providers: [.apt(["liblua5.4-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CEdit", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .target(name: "Numerics", dependencies: ["CBLAS", "CZlib"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .target(name: "Bridge", dependencies: ["CLua", "Numerics"]),
        .executableTarget(name: "lwscript", dependencies: ["Bridge", "CLua", "CEdit"]),
        .testTarget(name: "NumericsTests", dependencies: ["Numerics"]),
        .testTarget(name: "BridgeTests", dependencies: ["Bridge", "Numerics", "CLua"]),
        .testTarget(name: "CLITests", dependencies: ["lwscript"]),
    ],
    swiftLanguageModes: [.v5]
)
