// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "verify-layers",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "verify-layers", targets: ["verify-layers"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // 4.x imports FoundationEssentials where it exists: no ICU in a static binary (3.x imports Foundation).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // C libraries through pkg-config only (no `link` in the module maps): `make dist` points PKG_CONFIG_PATH at
        // packaging/pkgconfig/, whose .pc files name the static archives.
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // Not linked with libcurl: Sources/CCurl/shim.c loads libcurl.so.4 on first use (a no-op pre-push never does).
        .target(name: "CCurl"),
        .target(name: "CBuildStamp"),
        .target(name: "CMalloc"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "ImageModel", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // The flow: GitAccess (libgit2) → ImageOutputs (output sources + formats) → Checking (plan, verdicts, findings) →
        // Registry (transfer queue, the two ways of asking, over the curl adapter) → Reports → Pipeline → verify-layers.
        .target(name: "GitAccess", dependencies: ["ImageModel", "CGit2"]),
        .target(name: "ImageOutputs", dependencies: ["ImageModel", "GitAccess", "CZlib"]),
        .target(name: "Configuration", dependencies: ["ImageModel", "CYAML"]),
        .target(
            name: "Registry",
            dependencies: ["ImageModel", "Checking", "CCurl", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Reports", dependencies: ["ImageModel", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Checking", dependencies: ["ImageModel"]),
        .target(
            name: "Pipeline",
            dependencies: [
                "ImageModel", "GitAccess", "ImageOutputs", "Configuration", "Registry", "Reports", "Checking",
                "CBuildStamp", "CMalloc",
            ]),
        .executableTarget(
            name: "verify-layers",
            dependencies: [
                "ImageModel", "Pipeline", "Reports", "Checking",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "TestSupport", dependencies: ["ImageModel", "ImageOutputs", "Configuration"],
            path: "Tests/TestSupport"),
        .testTarget(name: "ImageModelTests", dependencies: ["ImageModel", "TestSupport"]),
        .testTarget(name: "GitAccessTests", dependencies: ["GitAccess", "ImageModel", "TestSupport"]),
        .testTarget(
            name: "ImageOutputsTests",
            dependencies: ["ImageOutputs", "GitAccess", "ImageModel", "Checking", "TestSupport"]),
        .testTarget(name: "ConfigurationTests", dependencies: ["Configuration", "ImageModel", "TestSupport"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "Checking", "ImageModel", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "ImageModel", "TestSupport"], exclude: ["Golden"]),
        .testTarget(name: "CheckingTests", dependencies: ["Checking", "ImageModel", "Reports", "TestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["ImageModel", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Reports", "ImageModel", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

// The libFuzzer target over the reading parsers exists only for `make fuzz` (fuzz/run.sh sets VERIFY_LAYERS_FUZZ and builds it
// with -sanitize=fuzzer), so `swift build` / `make test` never see it.
if Context.environment["VERIFY_LAYERS_FUZZ"] != nil {
    package.targets.append(
        .executableTarget(name: "FuzzParsers", dependencies: ["TestSupport"], path: "fuzz/Sources/FuzzParsers"))
}
