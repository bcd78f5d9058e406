import CGit2
import ImageModel

/// git's configuration: string values, read once per run.
extension GitRepository {
    /// A string value from git's configuration (e.g. `core.hooksPath`), nil when unset; any other failure (an unreadable
    /// or malformed config file) is thrown, not taken for "unset".
    public func configString(_ name: String) throws -> String? {
        // Read once per run: every commit snapshot asks for `lfs.storage`, and parsing git's config files is not free.
        if let known = configValues[name] { return known }
        let value = try readConfigString(name)
        configValues[name] = .some(value)
        return value
    }

    private func readConfigString(_ name: String) throws -> String? {
        var config: OpaquePointer?
        try gitCheck(git_repository_config_snapshot(&config, handle), "cannot read git's configuration")
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        let status = git_config_get_string(&value, config, name)
        if status == GIT_ENOTFOUND.rawValue {
            git_error_clear()
            return nil
        }
        try gitCheck(status, "cannot read \(name) from git's configuration")
        return value.map { String(cString: $0) }
    }
}
