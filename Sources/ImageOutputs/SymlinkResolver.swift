/// What one path in a tree is, as far as resolving a path needs to know.
enum PathNode: Sendable {
    case file, directory, missing
    /// A symbolic link and its target text.
    case symlink(String)
    /// Something that can be neither read nor walked through (a submodule, an unreadable link), with the reason.
    case other(String)
}

/// Where resolving a path ended.
enum PathResolution: Sendable, Equatable {
    /// The repo-relative path of the file finally reached.
    case file(String)
    case missing
    case notReadable(String)
}

/// Follows symbolic links inside a tree the way rules_oci layouts need, but never out of a confining directory: a link that
/// climbs above it or is absolute is refused before anything outside is looked at.
enum SymlinkResolver {
    /// The kernel's limit on links followed in one lookup (ELOOP).
    static let maxLinks = 40

    /// Resolves `path`, which must lie inside `root` ("" for the whole repository). `node` describes one repo-relative path.
    static func resolve(_ path: String, within root: String, node: (String) -> PathNode) -> PathResolution {
        let rootParts = components(root)
        let parts = components(path)
        guard parts.count >= rootParts.count, Array(parts[..<rootParts.count]) == rootParts else {
            return .notReadable("\(path.debugQuoted) is outside \(describe(root))")
        }
        var resolved = rootParts
        var resolvedPath = rootParts.joined(separator: "/")
        // A stack, last element next: prepending a link's target is then cheap.
        var pending = Array(parts[rootParts.count...].reversed())
        var links = 0
        while let part = pending.popLast() {
            if part == "." { continue }
            if part == ".." {
                guard resolved.count > rootParts.count else {
                    return .notReadable("\(path.debugQuoted) climbs out of \(describe(root))")
                }
                resolved.removeLast()
                resolvedPath = resolved.joined(separator: "/")
                continue
            }
            let candidate = resolvedPath.isEmpty ? part : resolvedPath + "/" + part
            switch node(candidate) {
            case .file:
                return pending.isEmpty ? .file(candidate) : .missing
            case .directory:
                resolved.append(part)
                resolvedPath = candidate
            case .symlink(let target):
                links += 1
                guard links <= maxLinks else {
                    return .notReadable("too many levels of symbolic links at \(candidate.debugQuoted)")
                }
                let targetParts = components(target)
                if let end = refusal(of: target, parts: targetParts, at: candidate, depth: resolved.count, root: root) {
                    return end
                }
                pending.append(contentsOf: targetParts.reversed())
            case .missing:
                return .missing
            case .other(let why):
                return .notReadable(why)
            }
        }
        return .notReadable("it is a directory")
    }

    /// Where resolving ends at a symbolic link that is not followed: its target is absolute or climbs above `root`
    /// (checked now, so the message names the link that escapes), or is empty. `depth` counts the link's directory's
    /// components. Nil when the target is to be resolved next.
    private static func refusal(
        of target: String, parts targetParts: [String], at candidate: String, depth: Int, root: String
    ) -> PathResolution? {
        guard !target.hasPrefix("/") else {
            return .notReadable(
                "it is a symbolic link to the absolute path \(target.debugQuoted), outside \(describe(root)); not followed"
            )
        }
        let rootDepth = components(root).count
        var depth = depth
        for step in targetParts {
            if step == ".." {
                guard depth > rootDepth else {
                    return .notReadable(
                        "\(candidate.debugQuoted) is a symbolic link to \(target.debugQuoted), which leaves \(describe(root)); not followed"
                    )
                }
                depth -= 1
            } else if step != "." {
                depth += 1
            }
        }
        return targetParts.isEmpty ? .missing : nil
    }

    static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
    }

    private static func describe(_ root: String) -> String {
        let parts = components(root)
        return parts.isEmpty ? "the repository" : "the output \(parts.joined(separator: "/"))"
    }
}
