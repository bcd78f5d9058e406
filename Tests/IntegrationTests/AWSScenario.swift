import Foundation
import TestSupport

/// A committed repository whose images are all present in the emulator, the loopback metadata fakes, and a private
/// HOME for `~/.aws`: one end-to-end AWS test's world. IMDS is off unless a test points it at the fake.
final class AWSScenario {
    let repo: GitFixture
    let emulator: Emulator
    let home: TemporaryDirectory
    private let fakesOptions: (expiresIn: [String: Double], assumeRoleSourceKeys: [String])
    private var startedFakes: MetadataFakes?
    /// Repository name → its image's blobs (config first).
    private(set) var images: [String: [FixtureBlob]] = [:]

    /// `repositories` each get one committed OCI layout `images/<name>` of `layers` layers, all present in the emulator.
    init(
        repositories: [String] = ["app"], layers: Int = 2, expiresIn: [String: Double] = [:],
        extraCredentials: [FakeCredential] = [],
        assumeRoleSourceKeys: [String] = []
    ) throws {
        repo = try GitFixture()
        home = try TemporaryDirectory(prefix: "vl-home")
        var state: [String: [String: Int64]] = [:]
        for name in repositories {
            let image = FixtureImage(layers: (0..<layers).map { FixtureBlob.layer("\(name)-\($0)") })
            try repo.write(
                LayoutBuilder.files(at: "images/\(name)", images: [image], name: "public.ecr.aws/demo/\(name):1"))
            let blobs = [image.config] + image.layers
            images[name] = blobs
            state[name] = Dictionary(uniqueKeysWithValues: blobs.map { ($0.digest, $0.size) })
        }
        try repo.commitAll("images")
        emulator = try Emulator(state: try MetadataFakes.emulatorState(repositories: state, extra: extraCredentials))
        fakesOptions = (expiresIn, assumeRoleSourceKeys)
    }

    /// The STS / container / IMDS fakes, started on first use (fault tests never need them).
    var fakes: MetadataFakes {
        get throws {
            if let startedFakes { return startedFakes }
            let fakes = try MetadataFakes(
                expiresIn: fakesOptions.expiresIn, assumeRoleSourceKeys: fakesOptions.assumeRoleSourceKeys)
            startedFakes = fakes
            return fakes
        }
    }

    /// Points the tool at the emulator, with no credentials at all and IMDS off; tests add one source.
    var base: [String: String] {
        [
            "HOME": home.path,
            "AWS_ENDPOINT_URL_ECR_PUBLIC": emulator.url,
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
    }

    /// Static keys the emulator accepts.
    var staticKeys: [String: String] {
        ["AWS_ACCESS_KEY_ID": Emulator.accessKey, "AWS_SECRET_ACCESS_KEY": Emulator.secretKey]
    }

    /// Writes a file under HOME (e.g. `.aws/config`) and returns its path.
    @discardableResult
    func writeHome(_ relativePath: String, _ text: String, executable: Bool = false) throws -> String {
        let url = URL(fileURLWithPath: home.path).appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Through a close-on-exec descriptor: a process another test forks meanwhile must not inherit it, or running
        // the file (a credential helper) fails with ETXTBSY for as long as that process lives.
        let mode: mode_t = executable ? 0o755 : 0o644
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fchmod(descriptor, mode) == 0 else { throw CocoaError(.fileWriteUnknown) }
        return url.path
    }

    /// Runs verify-layers in the repository with `base` plus `environment`.
    func run(
        _ arguments: [String], _ environment: [String: String] = [:], stdin: String? = nil, timeout: TimeInterval = 60
    ) throws -> ProcessResult {
        try repo.verifyLayers(arguments, environment: base.merging(environment) { $1 }, stdin: stdin, timeout: timeout)
    }

    /// Every blob of every image.
    var allDigests: Set<String> { Set(images.values.flatMap { $0.map(\.digest) }) }

    /// The emulator's BatchCheckLayerAvailability calls with who signed them.
    func calls() throws -> [SignedCall] {
        let data = try emulator.control("GET", "requests")
        return try JSONDecoder().decode([SignedCall].self, from: data).filter {
            $0.operation == "BatchCheckLayerAvailability"
        }
    }
}

/// One emulator log entry, with the signer's access key (TestSupport's `EmulatorRequest` leaves it out).
struct SignedCall: Decodable {
    var operation: String?
    var repositoryName: String?
    var layerDigests: [String]?
    var signatureValid: Bool
    var signatureError: String?
    var sessionTokenSigned: Bool?
    var status: Int?
    var fault: String?
    var accessKeyId: String?
    var region: String?
}

/// A JSON report of a run (`--format json`).
struct JSONRun: Decodable {
    struct Finding: Decodable {
        var rule: String
        var severity: String
        var message: String
        var digest: String?
        var repository: String?
        var path: String?
        var line: Int?
    }
    struct Summary: Decodable {
        var layers: Int
        var available: Int
        var unavailable: Int
        var unverified: Int
        var exitCode: Int32
    }
    struct Blob: Decodable {
        var digest: String
        var status: String
    }
    struct Image: Decodable {
        var repository: String?
        var blobs: [Blob]
    }
    var findings: [Finding]
    var images: [Image]
    var summary: Summary

    static func parse(_ result: ProcessResult) throws -> JSONRun {
        try JSONDecoder().decode(JSONRun.self, from: Data(result.stdout.utf8))
    }
}
