/// Parses `public.ecr.aws/<alias>/<repo>[:tag|@digest]` into the registry alias and repository (SPEC §3.1).
public enum ImageReference {
    public static let host = "public.ecr.aws"

    public static func ecrPublicRepository(from reference: String) -> RepositoryRef? {
        var rest = Substring(reference)
        guard rest.hasPrefix(host + "/") else { return nil }
        rest = rest.dropFirst(host.count + 1)
        if let at = rest.firstIndex(of: "@") { rest = rest[..<at] }
        // A tag is the part after the last ':' that follows the last '/'.
        if let lastSlash = rest.lastIndex(of: "/"), let colon = rest[lastSlash...].lastIndex(of: ":") {
            rest = rest[..<colon]
        }
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let alias = String(rest[..<slash])
        let repository = String(rest[rest.index(after: slash)...])
        guard isValidAlias(alias), isValidRepositoryName(repository) else { return nil }
        return RepositoryRef(registryId: alias, repositoryName: repository)
    }

    /// `public.ecr.aws/<alias>/<repo>:<tag>` for an image whose output names only a bare tag (`v1`) and whose repository
    /// came from the config or flags: nil unless the registry is an alias (an account id or the caller's default registry
    /// has no public address) and the tag is a valid tag.
    public static func reference(repository: RepositoryRef?, tag: String?) -> String? {
        guard let repository, let alias = repository.registryId, let tag, isValidAlias(alias), !isAccountID(alias),
            isValidTag(tag)
        else { return nil }
        return "\(host)/\(alias)/\(repository.repositoryName):\(tag)"
    }

    /// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}` (the distribution spec's tag grammar).
    public static func isValidTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        let word = { (byte: UInt8) in isAlnum(byte) || (byte >= 65 && byte <= 90) || byte == 95 }
        guard let first = bytes.first, bytes.count <= 128, word(first) else { return false }
        return bytes.allSatisfy { word($0) || $0 == 46 || $0 == 45 }
    }

    /// Digits only: an account id's shape, never an alias's (an alias starts with a letter).
    public static func isAccountID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    /// `[a-z][a-z0-9]+(?:[._-][a-z0-9]+)*` or a 12-digit account id.
    public static func isValidAlias(_ alias: String) -> Bool {
        let bytes = Array(alias.utf8)
        guard bytes.count >= 2, bytes.count <= 50 else { return false }
        if isAccountID(alias) { return true }
        guard bytes[0] >= 97 && bytes[0] <= 122 else { return false }
        return isSeparatedComponent(bytes)
    }

    /// The ECR Public repository name pattern, 2–205 characters.
    public static func isValidRepositoryName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count >= 2, bytes.count <= 205 else { return false }
        return name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
            isSeparatedComponent(Array($0.utf8))
        }
    }

    /// `[a-z0-9]+(?:[._-][a-z0-9]+)*`
    static func isSeparatedComponent(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, let last = bytes.last, isAlnum(first), isAlnum(last) else { return false }
        var previousWasSeparator = false
        for byte in bytes {
            if isAlnum(byte) {
                previousWasSeparator = false
            } else if byte == 46 || byte == 95 || byte == 45 {
                if previousWasSeparator { return false }
                previousWasSeparator = true
            } else {
                return false
            }
        }
        return true
    }

    static func isAlnum(_ byte: UInt8) -> Bool {
        (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57)
    }
}
