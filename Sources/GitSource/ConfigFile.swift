import Foundation
import ImageModel
import Yams

/// A `.verify-layers.yml` problem: exit 78, naming the key and line.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Parses `.verify-layers.yml` strictly: unknown keys and wrong types are errors that name the key and its line.
public enum ConfigFile {
    public static let fileName = ".verify-layers.yml"
    static let topKeys = ["registry", "images", "exclude", "check-config-blob", "strict", "cache-ttl"]
    static let imageKeys = ["path", "repository", "registry"]

    public static func parse(_ text: String, source: String) throws -> ToolConfig {
        var config = ToolConfig()
        config.source = source
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigError(message: "\(source): invalid YAML: \(error)")
        }
        guard let root else { return config }
        if root.null != nil { return config }
        guard let mapping = root.mapping else {
            throw ConfigError(message: "\(source):\(line(root)): the file must be a mapping of keys (registry, images, exclude, ...)")
        }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            let at = "\(source):\(line(keyNode))"
            switch key {
            case "registry":
                config.registry = try string(value, key: key, at: at)
            case "images":
                guard let list = value.sequence else { throw ConfigError(message: "\(at): `images` must be a list of {path, repository, registry}") }
                for item in list {
                    config.images.append(try imageMapping(item, source: source))
                }
            case "exclude":
                guard let list = value.sequence else { throw ConfigError(message: "\(at): `exclude` must be a list of globs") }
                config.exclude = try list.map { try string($0, key: "exclude", at: "\(source):\(line($0))") }
            case "check-config-blob":
                config.checkConfigBlob = try bool(value, key: key, at: at)
            case "strict":
                config.strict = try bool(value, key: key, at: at)
            case "cache-ttl":
                config.cacheTTL = try duration(value, key: key, at: at)
            default:
                throw ConfigError(message: "\(at): unknown key `\(key)` (known keys: \(topKeys.joined(separator: ", ")))")
            }
        }
        return config
    }

    private static func imageMapping(_ node: Node, source: String) throws -> ImageMapping {
        let at = "\(source):\(line(node))"
        guard let mapping = node.mapping else { throw ConfigError(message: "\(at): each `images` entry must be a mapping with `path` and `repository`") }
        var path: String?
        var repository: String?
        var registry: String?
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            let keyAt = "\(source):\(line(keyNode))"
            switch key {
            case "path": path = try string(value, key: "images.path", at: keyAt)
            case "repository":
                let name = try string(value, key: "images.repository", at: keyAt)
                guard ImageReference.isValidRepositoryName(name) else {
                    throw ConfigError(message: "\(keyAt): `images.repository` \(name.debugQuoted) is not a valid ECR Public repository name")
                }
                repository = name
            case "registry": registry = try string(value, key: "images.registry", at: keyAt)
            default:
                throw ConfigError(message: "\(keyAt): unknown key `images.\(key)` (known keys: \(imageKeys.joined(separator: ", ")))")
            }
        }
        guard let path else { throw ConfigError(message: "\(at): an `images` entry needs `path`") }
        guard let repository else { throw ConfigError(message: "\(at): an `images` entry needs `repository`") }
        return ImageMapping(path: path, repository: repository, registry: registry)
    }

    static func line(_ node: Node) -> Int {
        (node.mark?.line ?? 0) + 1
    }

    private static func string(_ node: Node, key: String, at: String) throws -> String {
        guard case .scalar(let scalar) = node, node.null == nil else {
            throw ConfigError(message: "\(at): `\(key)` must be a string")
        }
        return scalar.string
    }

    private static func bool(_ node: Node, key: String, at: String) throws -> Bool {
        guard case .scalar(let scalar) = node else { throw ConfigError(message: "\(at): `\(key)` must be true or false") }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw ConfigError(message: "\(at): `\(key)` must be true or false, not \(scalar.string.debugQuoted)")
        }
    }

    /// `1h`, `30m`, `45s`, `2d`, a bare number of seconds, or 0.
    private static func duration(_ node: Node, key: String, at: String) throws -> Double {
        guard case .scalar(let scalar) = node else { throw ConfigError(message: "\(at): `\(key)` must be a duration like 1h, 30m or 0") }
        let text = scalar.string.trimmingCharacters(in: .whitespaces)
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let value = Double(text), value >= 0 { return value }
        if let unit = text.last, let factor = units[unit], let value = Double(text.dropLast()), value >= 0 { return value * factor }
        throw ConfigError(message: "\(at): `\(key)` must be a duration like 1h, 30m, 45s or 0, not \(text.debugQuoted)")
    }
}
