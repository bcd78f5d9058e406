import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where calls go and how they are signed.
public struct Endpoint: Sendable, Equatable {
    public var url: String
    public var region: String
    /// Where the URL came from (`--endpoint-url`, `AWS_ENDPOINT_URL_ECR_PUBLIC`, ...), for doctor.
    public var source: String
    /// Where the region came from (`--region`, `AWS_REGION`, `profile`, `default`), for doctor.
    public var regionSource: String

    public init(url: String, region: String, source: String, regionSource: String = "default") {
        self.url = url
        self.region = region
        self.source = source
        self.regionSource = regionSource
    }
}

/// A bad endpoint is a configuration error (exit 78), raised before any connection.
public struct EndpointError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Resolves the endpoint in the order of SPEC §4 and refuses plain http anywhere but loopback.
public enum EndpointResolver {
    public static let regions = ["us-east-1", "us-west-2"]
    public static let defaultRegion = "us-east-1"

    /// `--endpoint-url`, `AWS_ENDPOINT_URL_ECR_PUBLIC`, `AWS_ENDPOINT_URL`, the profile's `endpoint_url`, else the regional
    /// (or dualstack) default. Region: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, `us-east-1`.
    /// A region from the environment or profile that has no ECR Public endpoint (CI runners often set one for other
    /// services) falls back to us-east-1, where ECR Public's API lives; an explicit `--region` must be a real one.
    public static func resolve(
        flag: String?, region flagRegion: String?, environment: [String: String], profileRegion: String? = nil,
        profileEndpointURL: String? = nil, profileDualstack: Bool = false
    ) throws -> Endpoint {
        let ignoreConfigured = isTrue(environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"])
        var candidates: [(String?, String)] = [(flag, "--endpoint-url")]
        if !ignoreConfigured {
            candidates += [
                (environment["AWS_ENDPOINT_URL_ECR_PUBLIC"], "AWS_ENDPOINT_URL_ECR_PUBLIC"),
                (environment["AWS_ENDPOINT_URL"], "AWS_ENDPOINT_URL"),
                (profileEndpointURL, "profile endpoint_url"),
            ]
        }
        var custom: (url: String, source: String)?
        for (value, source) in candidates {
            if let url = nonEmpty(value) {
                try validate(url, source: source)
                custom = (url, source)
                break
            }
        }
        let (region, regionSource) = try resolveRegion(
            flag: flagRegion, environment: environment, profileRegion: profileRegion,
            customEndpoint: custom != nil)
        if let custom {
            return Endpoint(url: custom.url, region: region, source: custom.source, regionSource: regionSource)
        }
        let dualstack =
            isTrue(environment["AWS_USE_DUALSTACK_ENDPOINT"])
            || (environment["AWS_USE_DUALSTACK_ENDPOINT"] == nil && profileDualstack)
        let url = dualstack ? "https://ecr-public.\(region).api.aws" : "https://api.ecr-public.\(region).amazonaws.com"
        return Endpoint(
            url: url, region: region, source: dualstack ? "default (dualstack)" : "default", regionSource: regionSource)
    }

    static func resolveRegion(
        flag: String?, environment: [String: String], profileRegion: String?, customEndpoint: Bool
    ) throws -> (String, String) {
        if let region = nonEmpty(flag) {
            guard customEndpoint || regions.contains(region) else {
                throw EndpointError(
                    message:
                        "ECR Public is only in \(regions.joined(separator: " and ")); --region \(region) has no endpoint "
                        + "(use --region us-east-1, or --endpoint-url)")
            }
            return (region, "--region")
        }
        let configured: [(String?, String)] = [
            (environment["AWS_REGION"], "AWS_REGION"), (environment["AWS_DEFAULT_REGION"], "AWS_DEFAULT_REGION"),
            (profileRegion, "profile region"),
        ]
        for (value, source) in configured {
            guard let region = nonEmpty(value) else { continue }
            if regions.contains(region) { return (region, source) }
            return (defaultRegion, "default (\(source) \(region) has no ECR Public endpoint)")
        }
        return (defaultRegion, "default")
    }

    /// Only https, or http to a loopback address.
    public static func validate(_ url: String, source: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            throw EndpointError(message: "\(source): \(Redactor.url(url).debugDescription) is not a valid URL")
        }
        switch scheme {
        case "https": return
        case "http":
            guard isLoopback(host) else {
                throw EndpointError(
                    message:
                        "\(source): plain http:// is only allowed to loopback (127.0.0.1, localhost, ::1), not \(host); use https://"
                )
            }
        default:
            throw EndpointError(message: "\(source): unsupported scheme \(scheme.debugDescription); use https://")
        }
    }

    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingBrackets().lowercased()
        if bare == "localhost" || bare == "::1" || bare == "0:0:0:0:0:0:0:1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127"
            && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && UInt8($0) != nil }
    }

    static func isTrue(_ value: String?) -> Bool {
        ["true", "1"].contains((value ?? "").trimmingWhitespace().lowercased())
    }

    private static func nonEmpty(_ value: String?) -> String? {
        SharedConfig.nonEmpty(value)
    }
}
