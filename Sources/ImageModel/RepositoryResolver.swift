/// One `images:` entry of `.verify-layers.yml`.
public struct ImageMapping: Sendable, Equatable {
    public var path: String
    public var repository: String
    public var registry: String?

    public init(path: String, repository: String, registry: String? = nil) {
        self.path = path
        self.repository = repository
        self.registry = registry
    }
}

/// Decides the repository of an image, first match wins (SPEC §3.1): flags, config `images`, the name annotation.
public struct RepositoryResolver: Sendable {
    public var forcedRepository: String?
    public var forcedRegistry: String?
    public var mappings: [ImageMapping]
    public var defaultRegistry: String?

    public init(
        forcedRepository: String? = nil, forcedRegistry: String? = nil, mappings: [ImageMapping] = [],
        defaultRegistry: String? = nil
    ) {
        self.forcedRepository = forcedRepository
        self.forcedRegistry = forcedRegistry
        self.mappings = mappings
        self.defaultRegistry = defaultRegistry
    }

    /// `outputPath` is the layout dir / skopeo dir / manifest file; `name` the full image reference if annotated.
    public func resolve(outputPath: String, name: String?) -> RepositoryRef? {
        if let forcedRepository {
            return RepositoryRef(registryId: forcedRegistry ?? defaultRegistry, repositoryName: forcedRepository)
        }
        if let mapping = mappings.first(where: { Glob.matches(pattern: $0.path, path: outputPath) }) {
            return RepositoryRef(
                registryId: forcedRegistry ?? mapping.registry ?? defaultRegistry, repositoryName: mapping.repository)
        }
        if let name, var repository = ImageReference.ecrPublicRepository(from: name) {
            if let forcedRegistry { repository.registryId = forcedRegistry }
            return repository
        }
        return nil
    }
}

/// Gitignore-style globs for config paths: `*` within a segment, `**` across segments, `?` one character, `[a-z]` /
/// `[!a]` one character of a class, `\\` escaping the next character.
public enum Glob {
    public static func matches(pattern: String, path: String) -> Bool {
        let patternParts = split(pattern)
        let pathParts = split(path)
        return match(patternParts[...], pathParts[...])
    }

    /// True when `path` is the pattern's match or lies below one (so `exclude: [testdata/**]` and `testdata` both cover files inside).
    public static func covers(pattern: String, path: String) -> Bool {
        let patternParts = split(pattern)
        guard !patternParts.isEmpty else { return false }
        return match(patternParts[...], split(path)[...], prefix: true)
    }

    private static func split(_ text: String) -> [Substring] {
        text.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
    }

    /// Segment-level matching by dynamic programming (`**` spans any number of segments): a pattern from a hostile
    /// `.verify-layers.yml` costs O(pattern × path), never exponential backtracking.
    /// With `prefix`, true when the pattern matches some leading run of the path's segments.
    private static func match(_ pattern: ArraySlice<Substring>, _ path: ArraySlice<Substring>, prefix: Bool = false)
        -> Bool
    {
        // Each pattern segment is tokenized and each path segment split into scalars once, not once per DP cell.
        let parts = pattern.map { $0 == "**" ? nil : tokens($0) }
        let segments = path.map { Array($0.unicodeScalars) }
        // next[j]: does parts[i+1...] match segments[j...] (or, for `prefix`, a leading run of it)?
        var next = [Bool](repeating: prefix, count: segments.count + 1)
        next[segments.count] = true
        for i in stride(from: parts.count - 1, through: 0, by: -1) {
            var current = [Bool](repeating: false, count: segments.count + 1)
            for j in stride(from: segments.count, through: 0, by: -1) {
                if let part = parts[i] {
                    current[j] = j < segments.count && next[j + 1] && segment(part, segments[j])
                } else {
                    current[j] = next[j] || (j < segments.count && current[j + 1])
                }
            }
            next = current
        }
        return next[0]
    }

    /// One element of a segment pattern: a character, `?`, `*`, or a bracket class (`[abc]`, `[a-z]`, `[!a]`/`[^a]`).
    private enum Token {
        case character(Unicode.Scalar)
        case any
        case star
        case set([ClosedRange<Unicode.Scalar>], negated: Bool)

        func matches(_ scalar: Unicode.Scalar) -> Bool {
            switch self {
            case .character(let expected): return scalar == expected
            case .any: return true
            case .star: return false
            case .set(let ranges, let negated): return ranges.contains { $0.contains(scalar) } != negated
            }
        }
    }

    /// Gitignore's reading of a segment: `\x` is a literal `x`; a `[` without its `]` is a literal `[`.
    private static func tokens(_ pattern: Substring) -> [Token] {
        let scalars = Array(pattern.unicodeScalars)
        var tokens: [Token] = []
        var i = 0
        while i < scalars.count {
            let scalar = scalars[i]
            switch scalar {
            case "*": tokens.append(.star)
            case "?": tokens.append(.any)
            case "\\" where i + 1 < scalars.count:
                i += 1
                tokens.append(.character(scalars[i]))
            case "[":
                if let (set, next) = bracket(scalars, from: i) {
                    tokens.append(set)
                    i = next
                    continue
                }
                tokens.append(.character(scalar))
            default: tokens.append(.character(scalar))
            }
            i += 1
        }
        return tokens
    }

    /// The class opened at `scalars[open]` and the index after its `]`, or nil when it is never closed.
    private static func bracket(_ scalars: [Unicode.Scalar], from open: Int) -> (Token, Int)? {
        var i = open + 1
        let negated = i < scalars.count && (scalars[i] == "!" || scalars[i] == "^")
        if negated { i += 1 }
        var ranges: [ClosedRange<Unicode.Scalar>] = []
        var first = true
        while i < scalars.count {
            var low = scalars[i]
            if low == "]" && !first { return (.set(ranges, negated: negated), i + 1) }
            first = false
            if low == "\\", i + 1 < scalars.count {
                i += 1
                low = scalars[i]
            }
            if i + 2 < scalars.count, scalars[i + 1] == "-", scalars[i + 2] != "]" {
                let high = scalars[i + 2]
                if low <= high { ranges.append(low...high) }
                i += 3
            } else {
                ranges.append(low...low)
                i += 1
            }
        }
        return nil
    }

    /// `*`, `?` and bracket classes within one segment, by the linear two-pointer method (backtracking only to the last
    /// `*`).
    private static func segment(_ pattern: [Token], _ text: [Unicode.Scalar]) -> Bool {
        var p = 0
        var t = 0
        var star = -1
        var mark = 0
        while t < text.count {
            if p < pattern.count, case .star = pattern[p] {
                star = p
                mark = t
                p += 1
            } else if p < pattern.count && pattern[p].matches(text[t]) {
                p += 1
                t += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, case .star = pattern[p] { p += 1 }
        return p == pattern.count
    }
}
