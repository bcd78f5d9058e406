/// One node of a YAML document as the config reader needs it: its shape, its resolved tag and its 1-based line,
/// so a type error can name the key's line (SPEC §3.2) without a YAML library's object model.
struct YAMLNode: Sendable {
    /// A mapping entry; keys keep their own node so errors can point at the key's line.
    struct Pair: Sendable {
        var key: YAMLNode
        var value: YAMLNode
    }

    enum Shape: Sendable {
        case scalar(String)
        case sequence([YAMLNode])
        case mapping([Pair])
    }

    var shape: Shape
    var tag: YAMLTag
    /// 1-based line of the node's first character.
    var line: Int

    var scalar: String? {
        if case .scalar(let text) = shape { return text }
        return nil
    }

    var sequence: [YAMLNode]? {
        if case .sequence(let items) = shape { return items }
        return nil
    }

    var mapping: [Pair]? {
        if case .mapping(let pairs) = shape { return pairs }
        return nil
    }

    var isNull: Bool { tag == .null && scalar != nil }

    /// The value of a scalar resolved as a YAML 1.1 bool (`true`, `yes`, `on` and their spellings).
    var bool: Bool? {
        guard tag == .bool, let text = scalar else { return nil }
        switch text {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
        default: return nil
        }
    }

    /// What a person calls this node in an error message.
    var kind: String {
        switch shape {
        case .scalar: return "scalar"
        case .sequence: return "list"
        case .mapping: return "mapping"
        }
    }
}

/// The tags of YAML's 1.1 core schema that a plain scalar can resolve to (the rules Yams applied before),
/// plus the collection tags; anything explicitly tagged otherwise is `other`.
enum YAMLTag: String, Sendable {
    case null, bool, int, float, str, timestamp, merge, value, seq, map, other

    /// `tag:yaml.org,2002:<name>` as written after `!!`.
    init(explicit tag: String) {
        let prefix = "tag:yaml.org,2002:"
        if tag == "!" {
            self = .str
        } else if tag.hasPrefix(prefix), let known = YAMLTag(rawValue: String(tag.dropFirst(prefix.count))) {
            self = known
        } else {
            self = .other
        }
    }

    /// Resolves a plain (unquoted, untagged) scalar in the order Yams's default resolver used:
    /// bool, int, float, merge, null, timestamp, value, else a string.
    init(plain text: String) {
        let bytes = Array(text.utf8)
        if YAMLScalarRules.isBool(text) {
            self = .bool
        } else if YAMLScalarRules.isInt(bytes) {
            self = .int
        } else if YAMLScalarRules.isFloat(bytes) {
            self = .float
        } else if text == "<<" {
            self = .merge
        } else if text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL" {
            self = .null
        } else if YAMLScalarRules.isTimestamp(bytes) {
            self = .timestamp
        } else if text == "=" {
            self = .value
        } else {
            self = .str
        }
    }
}
