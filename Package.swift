// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: lwscript -> Kernel -> Notebook -> Bridge -> Numerics -> CBLAS, CZlib, CKernels;
// Bridge -> CLua; Kernel -> CZMQ, COpenSSL (the Jupyter kernel). The Lua library is .lua files embedded at build time (plugin EmbedLua).
// Numerics never sees Lua. System libraries come from Debian (see scripts/setup).
let package = Package(
    name: "lwscript",
    products: [
        .executable(name: "lwscript", targets: ["lwscript"]),
        .library(name: "Numerics", targets: ["Numerics"]),
        .library(name: "Bridge", targets: ["Bridge"]),
        .library(name: "Notebook", targets: ["Notebook"]),
        .library(name: "Kernel", targets: ["Kernel"]),
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
        .systemLibrary(name: "CPrefetch"),
        // The Jupyter kernel: ZeroMQ sockets and HMAC-SHA256 message signing (OpenSSL).
        .systemLibrary(name: "CZMQ", pkgConfig: "libzmq",
                       providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        // Hand-written kernels in C (the direct convolution, the small products of Linear and
        // LSTM layers, the LSTM's gate pass), optimised in debug builds too: the tests train
        // networks through them.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])], linkerSettings: [.linkedLibrary("m")]),
        .target(name: "Numerics", dependencies: ["CBLAS", "CZlib", "CPrefetch", "CKernels"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        // The Lua library (Sources/Bridge/lua, Sources/Notebook/lua) is embedded into the
        // binary at build time by the EmbedLua plugin and its generator, LuaEmbed.
        .executableTarget(name: "LuaEmbed", dependencies: ["CLua"]),
        .plugin(name: "EmbedLua", capability: .buildTool(), dependencies: ["LuaEmbed"]),
        .target(name: "Bridge", dependencies: ["CLua", "Numerics"], plugins: ["EmbedLua"]),
        .target(name: "Notebook", dependencies: ["Bridge", "Numerics"], plugins: ["EmbedLua"]),
        .target(name: "Kernel", dependencies: ["Notebook", "Bridge", "CZMQ", "COpenSSL"], plugins: ["EmbedLua"]),
        .executableTarget(name: "lwscript", dependencies: ["Bridge", "Notebook", "Kernel", "Numerics", "CLua", "CEdit"]),
        .testTarget(name: "NumericsTests", dependencies: ["Numerics"]),
        .testTarget(name: "BridgeTests", dependencies: ["Bridge", "Numerics", "CLua"]),
        .testTarget(name: "NotebookTests", dependencies: ["Notebook", "Bridge"]),
        .testTarget(name: "KernelTests", dependencies: ["Kernel"]),
        .testTarget(name: "CLITests", dependencies: ["lwscript"]),
    ],
    swiftLanguageModes: [.v5]
)
