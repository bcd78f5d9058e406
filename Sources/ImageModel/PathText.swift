/// File-system path arithmetic on plain strings (what `NSString`'s path methods did), so modules need only
/// FoundationEssentials.
extension String {
    /// `self + "/" + component`, without doubling a slash; an absolute component replaces nothing (as NSString).
    public func appendingPath(_ component: String) -> String {
        if isEmpty { return component }
        if component.isEmpty { return self }
        return hasSuffix("/") ? self + component : self + "/" + component
    }

    /// The directory part: `a/b/c` → `a/b`, `c` → ``, `/c` → `/`.
    public var parentPath: String {
        var text = Substring(self)
        while text.count > 1, text.hasSuffix("/") { text = text.dropLast() }
        guard let slash = text.lastIndex(of: "/") else { return "" }
        if slash == text.startIndex { return "/" }
        return String(text[..<slash])
    }

    /// Removes `.` and empty components and resolves `..` lexically (no symlinks are read).
    public var standardizedPath: String {
        let absolute = hasPrefix("/")
        var parts: [Substring] = []
        for part in split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else if part == ".." && absolute {
                continue
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}
