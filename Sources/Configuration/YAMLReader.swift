import CYAML

#if canImport(Glibc)
import Glibc
#endif

/// Why a text is not one readable YAML document, with libyaml's line and column when it gave one.
struct YAMLError: Error, Sendable, CustomStringConvertible {
    var description: String
}

/// Reads one YAML document into `YAMLNode`s from libyaml's event stream: the only code that names `yaml_*`.
/// Aliases share the anchored node (a billion-laughs document costs nothing until walked), nesting is bounded
/// and built without recursion, and a repeated mapping key is an error as it was with Yams.
enum YAMLReader {
    /// Deeper than any config needs; keeps hostile input from building (and later freeing) deep trees.
    static let maxDepth = 64

    /// The document's root node, or nil for an empty stream (an empty or comment-only file).
    static func read(_ text: String) throws -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw YAMLError(description: "cannot start the YAML parser") }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var builder = Builder()
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { throw parseError(parser) }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { return builder.root }
                try builder.consume(event)
            }
        }
    }

    private static func parseError(_ parser: yaml_parser_t) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        var text = "line \(parser.problem_mark.line + 1), column \(parser.problem_mark.column + 1): \(problem)"
        if let context = parser.context {
            text += " (\(String(cString: context)), line \(parser.context_mark.line + 1))"
        }
        return YAMLError(description: text)
    }

    /// Turns events into nodes with an explicit stack of open collections.
    private struct Builder {
        enum Open {
            case sequence(anchor: String?, tag: YAMLTag, line: Int, items: [YAMLNode])
            case mapping(anchor: String?, tag: YAMLTag, line: Int, pairs: [YAMLNode.Pair], key: YAMLNode?)
        }

        var stack: [Open] = []
        var anchors: [String: YAMLNode] = [:]
        var root: YAMLNode?
        var documents = 0

        mutating func consume(_ event: yaml_event_t) throws {
            let line = Int(event.start_mark.line) + 1
            switch event.type {
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                guard documents == 1 else {
                    throw YAMLError(description: "line \(line): expected a single document in the stream")
                }
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text =
                    scalar.value.map {
                        String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self)
                    } ?? ""
                let tag: YAMLTag
                if let explicit = string(scalar.tag) {
                    tag = YAMLTag(explicit: explicit)
                } else if scalar.style == YAML_PLAIN_SCALAR_STYLE {
                    tag = YAMLTag(plain: text)
                } else {
                    tag = .str
                }
                try finish(YAMLNode(shape: .scalar(text), tag: tag, line: line), anchor: string(scalar.anchor))
            case YAML_ALIAS_EVENT:
                let name = string(event.data.alias.anchor) ?? ""
                guard let node = anchors[name] else {
                    throw YAMLError(description: "line \(line): unknown alias `*\(name)`")
                }
                try finish(node, anchor: nil)
            case YAML_SEQUENCE_START_EVENT:
                try open(line: line)
                let start = event.data.sequence_start
                stack.append(
                    .sequence(
                        anchor: string(start.anchor), tag: string(start.tag).map(YAMLTag.init(explicit:)) ?? .seq,
                        line: line, items: []))
            case YAML_MAPPING_START_EVENT:
                try open(line: line)
                let start = event.data.mapping_start
                stack.append(
                    .mapping(
                        anchor: string(start.anchor), tag: string(start.tag).map(YAMLTag.init(explicit:)) ?? .map,
                        line: line, pairs: [], key: nil))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                switch stack.popLast() {
                case .sequence(let anchor, let tag, let start, let items)?:
                    try finish(YAMLNode(shape: .sequence(items), tag: tag, line: start), anchor: anchor)
                case .mapping(let anchor, let tag, let start, let pairs, _)?:
                    try finish(YAMLNode(shape: .mapping(pairs), tag: tag, line: start), anchor: anchor)
                case nil:
                    throw YAMLError(description: "line \(line): a collection ends that never started")
                }
            default:
                break  // stream start, document end
            }
        }

        private func open(line: Int) throws {
            guard stack.count < YAMLReader.maxDepth else {
                throw YAMLError(description: "line \(line): nested deeper than \(YAMLReader.maxDepth) levels")
            }
        }

        /// Hands a completed node to the collection that holds it (or makes it the root).
        private mutating func finish(_ node: YAMLNode, anchor: String?) throws {
            if let anchor { anchors[anchor] = node }
            guard let top = stack.popLast() else {
                root = node
                return
            }
            switch top {
            case .sequence(let anchor, let tag, let line, var items):
                items.append(node)
                stack.append(.sequence(anchor: anchor, tag: tag, line: line, items: items))
            case .mapping(let anchor, let tag, let line, var pairs, let key?):
                pairs.append(YAMLNode.Pair(key: key, value: node))
                stack.append(.mapping(anchor: anchor, tag: tag, line: line, pairs: pairs, key: nil))
            case .mapping(let anchor, let tag, let line, let pairs, nil):
                if let text = node.scalar, pairs.contains(where: { $0.key.scalar == text }) {
                    throw YAMLError(description: "line \(node.line): duplicate key `\(text)`")
                }
                stack.append(.mapping(anchor: anchor, tag: tag, line: line, pairs: pairs, key: node))
            }
        }

        private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }
    }
}
