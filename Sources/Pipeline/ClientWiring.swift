import Checking
import Configuration
import ImageModel
import Registry

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension RunSettings {
    /// Resolves the client's endpoint, retries, trust store and credential chain; a bad setting exits 78 before any connection.
    func clientSetup(environment: [String: String], started: Date) throws -> ClientSetup {
        let flags = ClientSetup.Flags(
            endpointURL: endpointURL, region: region, profile: profile, maxAttempts: maxAttempts,
            concurrency: concurrency, deadline: timeout.map { started.addingTimeInterval($0) })
        var sink: (@Sendable (String) -> Void)?
        if verbose { sink = { line in Console.err("verify-layers: \(line)") } }
        let log = HTTPLog(sink)
        do {
            return try ClientSetup.resolve(
                flags: flags, environment: environment, userAgent: "verify-layers/\(BuildStamp.version)", log: log)
        } catch let error as SetupError {
            throw Failure.config(error.message)
        }
    }
}

/// The way one run asks (SPEC §4.1), chosen from `--via`, `via:` and whether AWS credentials resolve, with the reason
/// shown by the text report and doctor.
struct ChosenWay {
    var via: CheckWay
    var why: String
    var layers: LayerRegistry
    var manifests: ManifestRegistry?
    /// What positive-cache entries are keyed by: answers from one endpoint never vouch for another.
    var cacheScope: String
}

extension RunSettings {
    /// `--registry-url`, `VERIFY_LAYERS_REGISTRY_URL` or the public registry; a bad URL exits 78.
    func registryEndpoint(environment: [String: String]) throws -> RegistryEndpoint {
        do {
            return try RegistryEndpoint.resolve(flag: registryURL, environment: environment)
        } catch let error as EndpointError {
            throw Failure.config(error.message)
        }
    }

    /// `--via`, else the config's `via:`, else `auto`: the API when credentials resolve, otherwise the registry.
    func chooseWay(config: ToolConfig, setup: ClientSetup, environment: [String: String]) throws -> ChosenWay {
        let requested = via ?? config.via ?? .auto
        let source =
            via != nil ? "--via" : (config.via != nil ? "via: in \(config.source ?? ConfigFile.fileName)" : "default")
        var chosen = requested
        var why = "\(requested.rawValue) (\(source))"
        if requested == .auto {
            do {
                let credentials = try setup.chain.resolve()
                chosen = .api
                why = "auto: AWS credentials from \(credentials.source)"
            } catch let error as CredentialError where error.noneConfigured && profile == nil {
                chosen = .registry
                why = "auto: no AWS credentials configured, so the public registry (anonymous pull tokens)"
            } catch {
                // A configured source that fails is a problem to show (exit 77/69), not a reason to ask elsewhere.
                chosen = .api
                why = "auto: AWS credentials are configured but could not be used"
            }
        }
        let endpoint = try registryEndpoint(environment: environment)
        let registry = RegistryClient(endpoint: endpoint, configuration: setup.configuration)
        if chosen == .registry {
            // Asked for by name while credentials exist: authenticated pulls (10/s on ECR Public instead of 1/s).
            if requested == .registry, (try? setup.chain.resolve()) != nil {
                let api = setup.makeClient()
                registry.login = { try api.authorizationToken() }
                why += ", authenticated pulls (ecr-public:GetAuthorizationToken)"
            }
            return ChosenWay(
                via: .registry, why: why, layers: registry, manifests: registry, cacheScope: "registry " + endpoint.url)
        }
        let client = setup.makeClient()
        // The public registry reads configs for the API way only when it is the same service: the API endpoint is AWS's
        // own, or the registry was pointed somewhere too (an emulator, a mirror). Otherwise tags are only looked up.
        let sameService = setup.endpoint.source.hasPrefix("default") || endpoint.source != "default"
        let quiet = self.quiet
        let manifests = ConfigReadingManifests(
            primary: client, reader: sameService ? registry : nil, isForeign: { client.isAnotherAccountsAlias($0) },
            unchecked: { repositories in
                guard !quiet else { return }
                Console.err(
                    "verify-layers: notice: the manifests of images in "
                        + repositories.map(\.description).joined(separator: ", ")
                        + " were not looked up: that is another account's registry alias, ECR Public's API looks up "
                        + "manifests only in the caller's own registry, and \(endpoint.url) is not the service asked "
                        + "here (pass --registry-url, or --via registry)")
            })
        return ChosenWay(via: .api, why: why, layers: client, manifests: manifests, cacheScope: setup.endpoint.url)
    }
}
