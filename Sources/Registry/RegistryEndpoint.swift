#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where the registry way asks: the OCI distribution API of the public registry, or an override for mirrors and tests.
public struct RegistryEndpoint: Sendable, Equatable {
    public static let publicRegistry = "https://public.ecr.aws"
    public var url: String
    /// `--registry-url`, `VERIFY_LAYERS_REGISTRY_URL` or `default`, for doctor.
    public var source: String

    public init(url: String, source: String) {
        var trimmed = url
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.url = trimmed
        self.source = source
    }

    /// Whether this is ECR Public itself, whose documented pull quotas then apply.
    public var isECRPublic: Bool {
        URLComponents(string: url)?.host?.lowercased() == "public.ecr.aws"
    }

    /// `--registry-url`, else `VERIFY_LAYERS_REGISTRY_URL`, else `https://public.ecr.aws`; plain http only to loopback,
    /// the same rule as the API endpoint.
    public static func resolve(flag: String?, environment: [String: String]) throws -> RegistryEndpoint {
        for (value, source) in [
            (flag, "--registry-url"), (environment["VERIFY_LAYERS_REGISTRY_URL"], "VERIFY_LAYERS_REGISTRY_URL"),
        ] {
            if let url = SharedConfig.nonEmpty(value) {
                try EndpointResolver.validate(url, source: source)
                return RegistryEndpoint(url: url, source: source)
            }
        }
        return RegistryEndpoint(url: publicRegistry, source: "default")
    }
}
