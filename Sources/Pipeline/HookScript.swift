import GitAccess
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The installed pre-push hook: a few lines of POSIX sh that fail loudly when the binary is gone, run a kept foreign
/// hook first with the same stdin, then hand over to `verify-layers pre-push`. `hooks/pre-push` ships the same bytes.
public enum HookScript {
    /// The line that marks a hook as ours (install updates it, uninstall removes it).
    static let marker = "# verify-layers pre-push hook"
    /// Where a pre-existing foreign hook is kept; the script runs it first.
    public static let chainedName = "pre-push.before-verify-layers"

    static let text = """
        #!/bin/sh
        \(marker) (installed by `verify-layers install`; remove with `verify-layers uninstall`).
        command -v verify-layers >/dev/null 2>&1 || {
          echo >&2 "verify-layers: this repository's pre-push hook needs verify-layers, which is not on your PATH."
          echo >&2 "verify-layers: install it, or remove the hook with: rm \\"$0\\" (git push --no-verify skips it once)."
          exit 2
        }
        input=$(cat)
        feed() { [ -z "$input" ] || printf '%s\\n' "$input"; }
        kept="$(dirname "$0")/\(chainedName)"
        if [ -x "$kept" ]; then feed | "$kept" "$@" || exit $?; fi
        feed | verify-layers pre-push "$@"

        """

    /// The hooks directory git runs hooks from: `core.hooksPath` (relative to the worktree, `~` expanded) or `<common dir>/hooks`.
    static func hooksDirectory(_ repository: GitRepository, home: String?) throws -> String {
        if var path = try repository.configString("core.hooksPath"), !path.isEmpty {
            if path == "~" || path.hasPrefix("~/"), let home { path = home + path.dropFirst() }
            if !path.hasPrefix("/") {
                let base = repository.workdir ?? repository.gitDir
                path = base.appendingPath(path)
            }
            return path.standardizedPath
        }
        return repository.commonDir.appendingPath("hooks").standardizedPath
    }

    static func isOurs(_ data: Data) -> Bool {
        String(decoding: data, as: UTF8.self).contains(marker)
    }
}
