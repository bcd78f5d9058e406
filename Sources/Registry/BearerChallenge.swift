#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A `WWW-Authenticate: Bearer realm=…,service=…,scope=…` challenge (RFC 6750, distribution token auth): where to get a
/// pull token, read from the registry's own answer so nothing about the token server is hard-coded.
public struct BearerChallenge: Sendable, Equatable {
    public var realm: String
    public var service: String?
    public var scope: String?

    public init(realm: String, service: String? = nil, scope: String? = nil) {
        self.realm = realm
        self.service = service
        self.scope = scope
    }

    /// Parses one header value; nil unless it is a Bearer challenge with a realm. Quoted values may hold commas.
    public static func parse(_ header: String) -> BearerChallenge? {
        let text = header.trimmingWhitespace()
        guard text.lowercased().hasPrefix("bearer ") else { return nil }
        var parameters: [String: String] = [:]
        var rest = Substring(text.dropFirst("bearer ".count))
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingWhitespace().lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                var end = rest.endIndex
                for index in rest.indices {
                    let character = rest[index]
                    if escaped {
                        value.append(character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        end = index
                        break
                    } else {
                        value.append(character)
                    }
                }
                rest = end < rest.endIndex ? rest[rest.index(after: end)...] : ""
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingWhitespace()
                rest = rest[end...]
            }
            parameters[key] = value
        }
        guard let realm = parameters["realm"], !realm.isEmpty else { return nil }
        return BearerChallenge(realm: realm, service: parameters["service"], scope: parameters["scope"])
    }

    /// The token URL for pulling one repository: the realm with `service` and `scope=repository:<name>:pull`.
    public func tokenURL(repository: String) -> String? {
        guard var components = URLComponents(string: realm) else { return nil }
        var items = components.queryItems ?? []
        if let service { items.append(URLQueryItem(name: "service", value: service)) }
        items.append(URLQueryItem(name: "scope", value: "repository:\(repository):pull"))
        components.queryItems = items
        return components.string
    }
}
