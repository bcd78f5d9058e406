import ImageModel

#if canImport(Glibc)
import Glibc
#endif

/// A `.verify-layers.yml` problem: exit 78, naming the key and line.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The Configuration module: `.verify-layers.yml` read through libyaml (the only module importing CYAML) into the plain
/// `ToolConfig` value of ImageModel. It reads text it is given; it must not open files, touch git or the network.
///
/// Parses `.verify-layers.yml` strictly: unknown keys and wrong types are errors that name the key and its line.
public enum ConfigFile {
    public static let fileName = ".verify-layers.yml"
    /// The name people also give it (`.yaml`): not read, but a run that finds only it says so.
    public static let misspelledName = ".verify-layers.yaml"
    static let topKeys = [
        "registry", "images", "exclude", "check-config-blob", "strict", "cache-ttl", "via", "check-manifests",
    ]
    static let imageKeys = ["path", "repository", "registry"]

    public static func parse(_ text: String, source: String) throws -> ToolConfig {
        var config = ToolConfig()
        config.source = source
        let root: YAMLNode?
        do {
            root = try YAMLReader.read(text)
        } catch {
            throw ConfigError(message: "\(source): invalid YAML: \(error)")
        }
        guard let root else { return config }
        if root.isNull { return config }
        guard let mapping = root.mapping else {
            throw ConfigError(
                message:
                    "\(source):\(line(root)): the file must be a mapping of keys (\(topKeys.joined(separator: ", ")))")
        }
        for pair in mapping {
            let (keyNode, value) = (pair.key, pair.value)
            let key = keyNode.scalar ?? ""
            let at = "\(source):\(line(keyNode))"
            guard topKeys.contains(key) else {
                throw ConfigError(
                    message: "\(at): unknown key `\(key)` (known keys: \(topKeys.joined(separator: ", ")))")
            }
            if isNull(value) { continue }  // `key:` with no value leaves the default.
            try apply(key, value, at: at, source: source, to: &config)
        }
        return config
    }

    /// Sets one top-level key of `config` from its (non-null) value.
    private static func apply(_ key: String, _ value: YAMLNode, at: String, source: String, to config: inout ToolConfig)
        throws
    {
        switch key {
        case "registry":
            let registry = try string(value, key: key, at: at)
            guard ImageReference.isValidAlias(registry) else {
                throw ConfigError(
                    message:
                        "\(at): `registry` \(registry.debugQuoted) is neither a registry alias ([a-z][a-z0-9]+ with . _ - separators) nor a 12-digit account id"
                )
            }
            config.registry = registry
        case "images":
            guard let list = value.sequence else {
                throw ConfigError(message: "\(at): `images` must be a list of {path, repository, registry}")
            }
            for item in list {
                config.images.append(try imageMapping(item, source: source))
            }
        case "exclude":
            guard let list = value.sequence else {
                throw ConfigError(message: "\(at): `exclude` must be a list of globs")
            }
            config.exclude = try list.map { try string($0, key: "exclude", at: "\(source):\(line($0))") }
        case "check-config-blob":
            config.checkConfigBlob = try bool(value, key: key, at: at)
        case "strict":
            config.strict = try bool(value, key: key, at: at)
        case "via":
            let text = try string(value, key: key, at: at)
            guard let via = CheckWay(rawValue: text) else {
                throw ConfigError(message: "\(at): `via` must be api, registry or auto, not \(text.debugQuoted)")
            }
            config.via = via
        case "check-manifests":
            // `off` unquoted is a YAML 1.1 bool: read it as the word the user wrote.
            if let flag = try? bool(value, key: key, at: at) {
                config.checkManifests = flag ? .error : .off
                return
            }
            let text = try string(value, key: key, at: at)
            guard let level = ManifestCheckLevel(rawValue: text) else {
                throw ConfigError(
                    message: "\(at): `check-manifests` must be error, warning or off, not \(text.debugQuoted)")
            }
            config.checkManifests = level
        default:
            config.cacheTTL = try duration(value, key: key, at: at)
        }
    }

    private static func imageMapping(_ node: YAMLNode, source: String) throws -> ImageMapping {
        let at = "\(source):\(line(node))"
        guard let mapping = node.mapping else {
            throw ConfigError(message: "\(at): each `images` entry must be a mapping with `path` and `repository`")
        }
        var path: String?
        var repository: String?
        var registry: String?
        for pair in mapping {
            let (keyNode, value) = (pair.key, pair.value)
            let key = keyNode.scalar ?? ""
            let keyAt = "\(source):\(line(keyNode))"
            switch key {
            case "path":
                let text = try string(value, key: "images.path", at: keyAt)
                guard !text.trimmingWhitespace().isEmpty else {
                    throw ConfigError(message: "\(keyAt): `images.path` must not be empty")
                }
                path = text
            case "repository":
                let name = try string(value, key: "images.repository", at: keyAt)
                guard ImageReference.isValidRepositoryName(name) else {
                    throw ConfigError(
                        message:
                            "\(keyAt): `images.repository` \(name.debugQuoted) is not a valid ECR Public repository name"
                    )
                }
                repository = name
            case "registry":
                let name = try string(value, key: "images.registry", at: keyAt)
                guard ImageReference.isValidAlias(name) else {
                    throw ConfigError(
                        message:
                            "\(keyAt): `images.registry` \(name.debugQuoted) is neither a registry alias nor a 12-digit account id"
                    )
                }
                registry = name
            default:
                throw ConfigError(
                    message: "\(keyAt): unknown key `images.\(key)` (known keys: \(imageKeys.joined(separator: ", ")))")
            }
        }
        guard let path else { throw ConfigError(message: "\(at): an `images` entry needs `path`") }
        guard let repository else { throw ConfigError(message: "\(at): an `images` entry needs `repository`") }
        return ImageMapping(path: path, repository: repository, registry: registry)
    }

    /// The 1-based line of a node.
    static func line(_ node: YAMLNode) -> Int {
        max(1, node.line)
    }

    private static func isNull(_ node: YAMLNode) -> Bool {
        node.isNull
    }

    /// A string, or a number written without quotes (an account id): not a bool, null, list or mapping.
    private static func string(_ node: YAMLNode, key: String, at: String) throws -> String {
        guard let scalar = node.scalar else {
            throw ConfigError(message: "\(at): `\(key)` must be a string, not a \(node.kind)")
        }
        guard node.tag == .str || node.tag == .int else {
            throw ConfigError(
                message:
                    "\(at): `\(key)` must be a string, not \(scalar.debugQuoted) (a YAML \(node.tag.rawValue); quote it)"
            )
        }
        return scalar
    }

    private static func bool(_ node: YAMLNode, key: String, at: String) throws -> Bool {
        guard let value = node.bool else {
            throw ConfigError(message: "\(at): `\(key)` must be true or false, not \(describe(node))")
        }
        return value
    }

    /// `1h`, `30m`, `45s`, `2d`, a bare number of seconds, or 0.
    private static func duration(_ node: YAMLNode, key: String, at: String) throws -> Double {
        guard let scalar = node.scalar, node.tag != .bool else {
            throw ConfigError(message: "\(at): `\(key)` must be a duration like 1h, 30m or 0, not \(describe(node))")
        }
        let text = scalar.trimmingWhitespace()
        if let value = Double(text), value >= 0, value.isFinite { return value }
        if let value = compoundDuration(text) { return value }
        throw ConfigError(
            message: "\(at): `\(key)` must be a duration like 1h, 30m, 1h30m, 45s or 0, not \(text.debugQuoted)")
    }

    /// Go's duration form, with days: one or more `<number><unit>` (`1h30m`, `1.5h`, `2d`, `500ms`), units ms, s, m, h,
    /// d; nil for anything else (a sign, a bare number after a unit, an unknown unit, an infinite total).
    static func compoundDuration(_ text: String) -> Double? {
        let units: [String: Double] = ["ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400]
        var rest = Substring(text)
        var total = 0.0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            guard !number.isEmpty, number.first != ".", let value = Double(number), let factor = units[String(unit)]
            else { return nil }
            total += value * factor
        }
        return total.isFinite ? total : nil
    }

    private static func describe(_ node: YAMLNode) -> String {
        if let scalar = node.scalar { return scalar.debugQuoted }
        return "a \(node.kind)"
    }
}
