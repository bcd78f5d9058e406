import Checking
import Configuration
import GitAccess
import ImageModel
import Registry

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `doctor`: what a run would use — config, endpoint, region, credential source (never a secret) — and one live call
/// per way of asking, so "why does CI say 77?" has an answer without reading code. Prints `key: value` lines.
struct Doctor {
    /// A repository name that no registry holds: its `RepositoryNotFoundException` proves endpoint, signature and credentials.
    static let probeRepository = "verify-layers-doctor-probe"
    static let probeDigest = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// What to ask about: a blob of the first mapped image, `--repository`, or nothing (the probe repository).
    typealias Target = (repository: RepositoryRef, digest: Digest, why: String)

    let options: RunSettings
    let environment: [String: String]
    var lines: [(String, String)] = [("version", BuildStamp.versionLine)] + BuildStamp.libraries
    var code: Int32 = 0

    init(options: RunSettings, environment: [String: String]) {
        self.options = options
        self.environment = environment
    }

    /// Runs every step, prints the lines and returns the exit code.
    mutating func run() -> Int32 {
        let started = Date()
        let (target, config) = readRepository()
        guard let setup = describeSetup(started: started) else { return finish() }
        guard let way = describeWay(config: config, setup: setup, target: target) else { return finish() }
        let credentials: Credentials
        do {
            credentials = try setup.chain.resolve()
        } catch {
            let failure = ECRPublicClient.credentialFailure(error)
            lines.append(("credentials", "none: \(failure.message)"))
            lines.append(("live call", "skipped (no credentials)"))
            if way != .registry {
                code = failure.kind == .credentials ? ExitStatus.noPermission : ExitStatus.unavailable
            }
            return finish()
        }
        lines.append(("credentials", Self.describe(credentials)))
        liveCall(setup.makeClient(), target: target)
        return finish()
    }

    private func finish() -> Int32 {
        Console.out(Self.render(lines))
        return code
    }

    /// A step that could not be resolved: its line says why, and its exit code (78 unless the failure names another)
    /// becomes the run's.
    private mutating func record(_ error: Error, as key: String) {
        let failure = error as? Failure ?? Failure.config("\(error)")
        lines.append((key, "error: \(failure.message)"))
        code = failure.code
    }

    /// The repository and its config: optional for doctor, which also helps outside a checkout.
    private mutating func readRepository() -> (Target?, ToolConfig) {
        var target: Target?
        var config = ToolConfig()
        if let context = try? RunContext(options: options, environment: environment) {
            do {
                let commit = try context.commit("HEAD")
                lines.append(
                    (
                        "repository",
                        "\(options.directory ?? FileManager.default.currentDirectoryPath) (HEAD \(commit.short))"
                    ))
                config = try context.config(at: commit)
                lines.append(("config", try configSource(context, commit: commit)))
                if options.repository == nil, let scan = try? context.scanTree(commit, config: config),
                    let image = scan.images.first(where: { $0.repository != nil && !$0.blobs.isEmpty }),
                    let repository = image.repository, let blob = image.blobs.first
                {
                    target = (repository, blob.digest, "first image in HEAD: \(image.label)")
                }
            } catch {
                record(error, as: "config")
            }
        } else {
            lines.append(("repository", "not in a git repository (config and images skipped)"))
        }
        if let name = options.repository, !name.isEmpty, let digest = Digest(Self.probeDigest) {
            target = (RepositoryRef(registryId: options.registryId, repositoryName: name), digest, "--repository")
        }
        return (target, config)
    }

    private func configSource(_ context: RunContext, commit: ObjectID) throws -> String {
        if let path = options.config { return "\(path) (--config)" }
        if case .file = try context.snapshot(commit).read(ConfigFile.fileName, limit: 1 << 20) {
            return "\(ConfigFile.fileName) at HEAD"
        }
        return "none (no \(ConfigFile.fileName) at HEAD; defaults)"
    }

    /// Endpoint, region, files, proxy, trust store, retries; nil (with the error line and code) when they do not resolve.
    private mutating func describeSetup(started: Date) -> ClientSetup? {
        let setup: ClientSetup
        do {
            setup = try options.clientSetup(environment: environment, started: started)
        } catch {
            record(error, as: "setup")
            return nil
        }
        let configuration = setup.configuration
        lines.append(("endpoint", "\(setup.endpoint.url) (\(setup.endpoint.source))"))
        lines.append(("region", "\(setup.endpoint.region) (\(setup.endpoint.regionSource))"))
        lines.append(("aws files", setup.shared.filesDescription))
        lines.append(("profile", "\(setup.shared.profileName) (\(setup.shared.profileSource))"))
        lines.append(("sts", "\(setup.stsEndpoint) (\(setup.stsEndpointSource))"))
        lines.append(("proxy", ProxyEnvironment.describe(url: setup.endpoint.url, environment: environment)))
        lines.append(("ca bundle", setup.caBundle.map { "\($0) (\(setup.caBundleSource ?? ""))" } ?? "system default"))
        lines.append(
            (
                "retries",
                "standard mode, \(setup.maxAttempts) attempt(s) (\(setup.maxAttemptsSource)); "
                    + "timeouts \(Int(configuration.connectTimeout)) s to connect, \(Int(configuration.requestTimeout)) s per request"
                    + (options.timeout.map { ", \($0) s for the run" } ?? "")
            ))
        return setup
    }

    /// The way a run would ask, and the registry probed either way (its result decides the code only for that way).
    private mutating func describeWay(config: ToolConfig, setup: ClientSetup, target: Target?) -> CheckWay? {
        let way: ChosenWay
        let endpoint: RegistryEndpoint
        do {
            way = try options.chooseWay(config: config, setup: setup, environment: environment)
            endpoint = try options.registryEndpoint(environment: environment)
        } catch {
            record(error, as: "via")
            return nil
        }
        lines.append(("via", "\(way.via.rawValue) (\(way.why))"))
        let client = RegistryClient(endpoint: endpoint, configuration: setup.configuration)
        let (line, registryCode) = Self.probeRegistry(client, target: target)
        lines.append(("registry", "\(endpoint.url) (\(endpoint.source)); \(line)"))
        if way.via == .registry { code = max(code, registryCode) }
        return way.via
    }

    static func describe(_ credentials: Credentials) -> String {
        var described = "\(credentials.source), access key \(Redactor.maskAccessKey(credentials.accessKeyId))"
        described += credentials.sessionToken == nil ? ", no session token" : ", session token present"
        if let expiration = credentials.expiration {
            described += ", expires \(expiration.formatted(Date.ISO8601FormatStyle()))"
        }
        return described
    }

    /// One `BatchCheckLayerAvailability`: for a known blob, or for the probe repository (whose not-found proves the rest).
    private mutating func liveCall(_ client: ECRPublicClient, target: Target?) {
        guard let probe = Digest(Self.probeDigest) else { return }
        let (repository, digest, why) =
            target
            ?? (RepositoryRef(registryId: options.registryId, repositoryName: Self.probeRepository), probe, "probe")
        let started = Date()
        let answer = client.check([LayerBatch(repository: repository, digests: [digest])]).first
        let elapsed = Int(Date().timeIntervalSince(started) * 1000)
        let label = "BatchCheckLayerAvailability \(repository) (\(why))"
        switch answer?.failure {
        case nil:
            let verdict = answer?.answers[digest]
            let text = verdict.map(Self.verdictText) ?? "the answer did not mention the digest"
            lines.append(
                (
                    "live call",
                    "\(label): \(verdict != nil ? "ok" : "error"), \(text) (\(elapsed) ms, \(client.requestsSent) request(s))"
                ))
            if verdict == nil { code = max(code, ExitStatus.unavailable) }
        case let failure? where failure.kind == .repositoryNotFound && target == nil:
            lines.append(
                ("live call", "\(label): ok, signature and credentials accepted (\(failure.message)) (\(elapsed) ms)"))
        case let failure?:
            lines.append(("live call", "\(label): \(Self.kindLabel(failure.kind)): \(failure.message) (\(elapsed) ms)"))
            if code == 0 { code = Self.exitCode(failure.kind) }
        }
    }

    static func verdictText(_ verdict: LayerAnswer) -> String {
        switch verdict {
        case .available: return "layer available"
        case .unavailable: return "layer not available"
        case .invalid: return "digest rejected as invalid"
        }
    }

    static func exitCode(_ kind: BatchFailure.Kind) -> Int32 {
        switch kind {
        case .repositoryNotFound: return ExitStatus.findings
        case .credentials: return ExitStatus.noPermission
        case .unverifiable: return ExitStatus.unavailable
        case .configuration: return ExitStatus.config
        }
    }

    /// One blob HEAD through the registry way when an image with an alias is known, else the `GET /v2/` challenge.
    static func probeRegistry(_ client: RegistryClient, target: Target?) -> (String, Int32) {
        let started = Date()
        guard let (repository, digest, why) = target, repository.registryId.map(ImageReference.isValidAlias) == true
        else {
            let (line, ok) = client.probe()
            return (
                "GET /v2/: \(line) (\(Int(Date().timeIntervalSince(started) * 1000)) ms)",
                ok ? 0 : ExitStatus.unavailable
            )
        }
        let answer = client.check([LayerBatch(repository: repository, digests: [digest])]).first
        let elapsed = Int(Date().timeIntervalSince(started) * 1000)
        let label = "HEAD blob in \(repository) (\(why))"
        if let failure = answer?.failure ?? answer?.digestFailures[digest] {
            let failureCode = exitCode(failure.kind)
            return ("\(label): \(kindLabel(failure.kind)): \(failure.message) (\(elapsed) ms)", failureCode)
        }
        let verdict: String
        switch answer?.answers[digest] {
        case .available?: verdict = "blob present"
        case .unavailable?: verdict = "blob not in the registry"
        default: verdict = "no answer"
        }
        return (
            "\(label): ok, \(verdict), \(client.tokenRequests) token request(s) (\(elapsed) ms, \(client.requestsSent) request(s))",
            0
        )
    }

    static func kindLabel(_ kind: BatchFailure.Kind) -> String {
        switch kind {
        case .repositoryNotFound: return "repository-not-found"
        case .credentials: return "credentials rejected"
        case .unverifiable: return "could not verify"
        case .configuration: return "cannot be asked"
        }
    }

    static func render(_ lines: [(String, String)]) -> String {
        let width = (lines.map(\.0.count).max() ?? 0) + 1
        return lines.map { key, value in
            let label = key + ":"
            return label + String(repeating: " ", count: max(1, width + 1 - label.count)) + value
        }.joined(separator: "\n") + "\n"
    }
}

extension Pipeline {
    /// `doctor`: the resolved setup and one live call per way; the exit code follows the way a run would use.
    public static func doctor(
        settings: RunSettings, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Int32 {
        var doctor = Doctor(options: settings, environment: environment)
        return doctor.run()
    }
}
