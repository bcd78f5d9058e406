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

/// Gitignore-style globs for config paths: `*` within a segment, `**` across segments, `?` one character.
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
        let parts = Array(pattern)
        let segments = Array(path)
        // next[j]: does parts[i+1...] match segments[j...] (or, for `prefix`, a leading run of it)?
        var next = [Bool](repeating: prefix, count: segments.count + 1)
        next[segments.count] = true
        for i in stride(from: parts.count - 1, through: 0, by: -1) {
            var current = [Bool](repeating: false, count: segments.count + 1)
            for j in stride(from: segments.count, through: 0, by: -1) {
                if parts[i] == "**" {
                    current[j] = next[j] || (j < segments.count && current[j + 1])
                } else {
                    current[j] = j < segments.count && next[j + 1] && segment(parts[i], segments[j])
                }
            }
            next = current
        }
        return next[0]
    }

    /// `*` and `?` within one segment, by the linear two-pointer method (backtracking only to the last `*`).
    private static func segment(_ pattern: Substring, _ text: Substring) -> Bool {
        let pattern = Array(pattern.unicodeScalars)
        let text = Array(text.unicodeScalars)
        var p = 0
        var t = 0
        var star = -1
        var mark = 0
        while t < text.count {
            if p < pattern.count && pattern[p] != "*" && (pattern[p] == "?" || pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.count && pattern[p] == "*" {
                star = p
                mark = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
