import Foundation

/// Where calls go and how they are signed.
public struct Endpoint: Sendable, Equatable {
    public var url: String
    public var region: String
    /// Where the URL came from (`--endpoint-url`, `AWS_ENDPOINT_URL_ECR_PUBLIC`, ...), for doctor.
    public var source: String

    public init(url: String, region: String, source: String) {
        self.url = url
        self.region = region
        self.source = source
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

    public static func resolve(flag: String?, region flagRegion: String?, environment: [String: String], profileRegion: String? = nil) throws -> Endpoint {
        let region = nonEmpty(flagRegion) ?? nonEmpty(environment["AWS_REGION"]) ?? nonEmpty(environment["AWS_DEFAULT_REGION"]) ?? nonEmpty(profileRegion) ?? "us-east-1"
        let candidates: [(String?, String)] = [
            (flag, "--endpoint-url"),
            (environment["AWS_ENDPOINT_URL_ECR_PUBLIC"], "AWS_ENDPOINT_URL_ECR_PUBLIC"),
            (environment["AWS_ENDPOINT_URL"], "AWS_ENDPOINT_URL"),
        ]
        for (value, source) in candidates {
            if let url = nonEmpty(value) {
                try validate(url, source: source)
                return Endpoint(url: url, region: region, source: source)
            }
        }
        guard regions.contains(region) else {
            throw EndpointError(message: "ECR Public is only in \(regions.joined(separator: " and ")); region \(region.debugDescription) has no endpoint (use --region us-east-1 or --endpoint-url)")
        }
        let dualstack = ["true", "1"].contains((environment["AWS_USE_DUALSTACK_ENDPOINT"] ?? "").lowercased())
        let url = dualstack ? "https://ecr-public.\(region).api.aws" : "https://api.ecr-public.\(region).amazonaws.com"
        return Endpoint(url: url, region: region, source: dualstack ? "default (dualstack)" : "default")
    }

    /// Only https, or http to a loopback address.
    public static func validate(_ url: String, source: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), let host = components.host, !host.isEmpty else {
            throw EndpointError(message: "\(source): \(url.debugDescription) is not a valid URL")
        }
        switch scheme {
        case "https": return
        case "http":
            guard isLoopback(host) else {
                throw EndpointError(message: "\(source): plain http:// is only allowed to loopback (127.0.0.1, localhost, ::1), not \(host); use https://")
            }
        default:
            throw EndpointError(message: "\(source): unsupported scheme \(scheme.debugDescription); use https://")
        }
    }

    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if bare == "localhost" || bare == "::1" || bare.hasSuffix(".localhost") { return true }
        let parts = bare.split(separator: ".")
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
