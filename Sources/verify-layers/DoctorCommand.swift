import ArgumentParser
import ECRPublic
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Configuration
import ImageModel
import Verification

/// `verify-layers doctor`: what a run would use — config, endpoint, region, credential source (never a secret) — and one
/// live call, so "why does CI say 77?" has an answer without reading code.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show the resolved endpoint, region, credentials source and config, then make one live call."
    )

    @OptionGroup(title: "Scan options") var scan: ScanOptions
    @OptionGroup(title: "Service options") var service: ServiceOptions

    @Flag(name: .shortAndLong, help: "Log each call to stderr (secrets are never shown).")
    var verbose = false

    /// `doctor` checks no images and keeps no cache: these options would be ignored, so they are refused.
    func validate() throws {
        if scan.shard != nil { throw ValidationError("--shard does not apply to doctor (it checks one blob, not a share of the images)") }
        if service.noCache { throw ValidationError("--no-cache does not apply to doctor (its live call never uses the cache)") }
    }

    /// `doctor` writes no report: the output group keeps its defaults.
    var options: SharedOptions {
        get throws {
            var options = try SharedOptions.defaults()
            options.scan = scan
            options.service = service
            options.output.verbose = verbose
            return options
        }
    }

    /// A repository name that no registry holds: its `RepositoryNotFoundException` proves endpoint, signature and credentials.
    static let probeRepository = "verify-layers-doctor-probe"
    static let probeDigest = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    func run() throws {
        try runReportingFailures {
            let options = try self.options
            let environment = ProcessInfo.processInfo.environment
            let started = Date()
            var lines: [(String, String)] = [("version", BuildStamp.versionLine)] + BuildStamp.libraries
            var code: Int32 = 0

            // The repository and its config: optional for doctor, which also helps outside a checkout.
            var target: (RepositoryRef, Digest, String)?
            var toolConfig = ToolConfig()
            if let context = try? RunContext(options: options) {
                do {
                    let commit = try context.commit("HEAD")
                    lines.append(("repository", "\(FileManager.default.currentDirectoryPath) (HEAD \(commit.short))"))
                    let config = try context.config(at: commit)
                    toolConfig = config
                    if let path = options.config {
                        lines.append(("config", "\(path) (--config)"))
                    } else if case .file = try context.snapshot(commit).read(ConfigFile.fileName, limit: 1 << 20) {
                        lines.append(("config", "\(ConfigFile.fileName) at HEAD"))
                    } else {
                        lines.append(("config", "none (no \(ConfigFile.fileName) at HEAD; defaults)"))
                    }
                    if options.repository == nil, let scan = try? context.scanTree(commit, config: config),
                       let image = scan.images.first(where: { $0.repository != nil && !$0.blobs.isEmpty }),
                       let repository = image.repository, let blob = image.blobs.first {
                        target = (repository, blob.digest, "first image in HEAD: \(image.label)")
                    }
                } catch let failure as Failure {
                    lines.append(("config", "error: \(failure.message)"))
                    code = failure.code
                }
            } else {
                lines.append(("repository", "not in a git repository (config and images skipped)"))
            }
            guard let probeDigest = Digest(Self.probeDigest) else { throw Failure.unavailable("internal error: bad probe digest") }
            if let name = options.repository, !name.isEmpty {
                target = (RepositoryRef(registryId: options.registryId, repositoryName: name), probeDigest, "--repository")
            }

            let setup: ClientSetup
            do {
                setup = try options.clientSetup(environment: environment, started: started)
            } catch let failure as Failure {
                lines.append(("setup", "error: \(failure.message)"))
                Console.out(Self.render(lines))
                return failure.code
            }
            lines.append(("endpoint", "\(setup.endpoint.url) (\(setup.endpoint.source))"))
            lines.append(("region", "\(setup.endpoint.region) (\(setup.endpoint.regionSource))"))
            lines.append(("aws files", setup.shared.filesDescription))
            lines.append(("profile", "\(setup.shared.profileName) (\(setup.shared.profileSource))"))
            lines.append(("sts", "\(setup.stsEndpoint) (\(setup.stsEndpointSource))"))
            lines.append(("proxy", ProxyEnvironment.describe(url: setup.endpoint.url, environment: environment)))
            lines.append(("ca bundle", setup.caBundle.map { "\($0) (\(setup.caBundleSource ?? ""))" } ?? "system default"))
            lines.append(("retries", "standard mode, \(setup.maxAttempts) attempt(s) (\(setup.maxAttemptsSource)); "
                          + "timeouts \(Int(setup.configuration.connectTimeout)) s to connect, \(Int(setup.configuration.requestTimeout)) s per request"
                          + (options.timeout.map { ", \($0) s for the run" } ?? "")))

            let way: ChosenWay
            let registryEndpoint: RegistryEndpoint
            do {
                way = try options.chooseWay(config: toolConfig, setup: setup, environment: environment)
                registryEndpoint = try options.registryEndpoint(environment: environment)
            } catch let failure as Failure {
                lines.append(("via", "error: \(failure.message)"))
                Console.out(Self.render(lines))
                return failure.code
            }
            lines.append(("via", "\(way.via.rawValue) (\(way.why))"))
            // Both ways are probed; the exit code follows the way a run would use.
            let registryClient = RegistryClient(endpoint: registryEndpoint, configuration: setup.configuration)
            let (registryLine, registryCode) = Self.probeRegistry(registryClient, target: target)
            lines.append(("registry", "\(registryEndpoint.url) (\(registryEndpoint.source)); \(registryLine)"))
            if way.via == .registry { code = max(code, registryCode) }

            let credentials: Credentials
            do {
                credentials = try setup.chain.resolve()
            } catch {
                let failure = ECRPublicClient.credentialFailure(error)
                lines.append(("credentials", "none: \(failure.message)"))
                lines.append(("live call", "skipped (no credentials)"))
                Console.out(Self.render(lines))
                if way.via == .registry { return code }
                return failure.kind == .credentials ? ExitStatus.noPermission : ExitStatus.unavailable
            }
            var described = "\(credentials.source), access key \(Redactor.maskAccessKey(credentials.accessKeyId))"
            described += credentials.sessionToken == nil ? ", no session token" : ", session token present"
            if let expiration = credentials.expiration {
                described += ", expires \(expiration.formatted(Date.ISO8601FormatStyle()))"
            }
            lines.append(("credentials", described))

            let probing = target == nil
            let (repository, digest, why) = target ?? (RepositoryRef(registryId: options.registryId, repositoryName: Self.probeRepository),
                                                       probeDigest, "probe")
            let client = setup.makeClient()
            let callStarted = Date()
            let answer = client.check([LayerBatch(repository: repository, digests: [digest])]).first
            let elapsed = Int(Date().timeIntervalSince(callStarted) * 1000)
            let label = "BatchCheckLayerAvailability \(repository) (\(why))"
            switch answer?.failure {
            case nil:
                let verdict: String
                switch answer?.answers[digest] {
                case .available?: verdict = "layer available"
                case .unavailable?: verdict = "layer not available"
                case .invalid?: verdict = "digest rejected as invalid"
                case nil: verdict = "the answer did not mention the digest"
                }
                let mentioned = answer?.answers[digest] != nil
                lines.append(("live call", "\(label): \(mentioned ? "ok" : "error"), \(verdict) (\(elapsed) ms, \(client.requestsSent) request(s))"))
                if !mentioned { code = max(code, ExitStatus.unavailable) }
            case let failure? where failure.kind == .repositoryNotFound && probing:
                lines.append(("live call", "\(label): ok, signature and credentials accepted (\(failure.message)) (\(elapsed) ms)"))
            case let failure?:
                lines.append(("live call", "\(label): \(Self.kindLabel(failure.kind)): \(failure.message) (\(elapsed) ms)"))
                let failureCode: Int32
                switch failure.kind {
                case .repositoryNotFound: failureCode = ExitStatus.findings
                case .credentials: failureCode = ExitStatus.noPermission
                case .unverifiable: failureCode = ExitStatus.unavailable
                }
                if code == 0 { code = failureCode }
            }
            Console.out(Self.render(lines))
            return code
        }
    }

    /// One blob HEAD through the registry way when an image with an alias is known, else the `GET /v2/` challenge.
    static func probeRegistry(_ client: RegistryClient, target: (RepositoryRef, Digest, String)?) -> (String, Int32) {
        let started = Date()
        if let (repository, digest, why) = target, repository.registryId.map(ImageReference.isValidAlias) == true {
            let answer = client.check([LayerBatch(repository: repository, digests: [digest])]).first
            let elapsed = Int(Date().timeIntervalSince(started) * 1000)
            let label = "HEAD blob in \(repository) (\(why))"
            if let failure = answer?.failure ?? answer?.digestFailures[digest] {
                let failureCode = failure.kind == .credentials ? ExitStatus.noPermission : ExitStatus.unavailable
                return ("\(label): \(kindLabel(failure.kind)): \(failure.message) (\(elapsed) ms)", failureCode)
            }
            let verdict: String
            switch answer?.answers[digest] {
            case .available?: verdict = "blob present"
            case .unavailable?: verdict = "blob not in the registry"
            default: verdict = "no answer"
            }
            return ("\(label): ok, \(verdict), \(client.tokenRequests) token request(s) (\(elapsed) ms, \(client.requestsSent) request(s))", 0)
        }
        let (line, ok) = client.probe()
        return ("GET /v2/: \(line) (\(Int(Date().timeIntervalSince(started) * 1000)) ms)", ok ? 0 : ExitStatus.unavailable)
    }

    static func kindLabel(_ kind: BatchFailure.Kind) -> String {
        switch kind {
        case .repositoryNotFound: return "repository-not-found"
        case .credentials: return "credentials rejected"
        case .unverifiable: return "could not verify"
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
