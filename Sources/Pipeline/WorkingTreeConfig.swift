import Configuration
import GitAccess
import ImageOutputs

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The config is read from the checked commit, never the working tree; when the working tree's `.verify-layers.yml`
/// differs (or is not committed), say once which one is used, so an edit that is not committed yet cannot be ignored in silence.
enum WorkingTreeConfig {
    /// The kinds of notice said so far. Written only by the reading thread, before and while it reads commits (never
    /// concurrently).
    nonisolated(unsafe) private static var said = Set<String>()

    /// Says, once per run (every commit of a push reads the config again), which config is used when the working tree's
    /// differs, and when the commit holds only `.verify-layers.yaml`, a name that is not read.
    static func noticeOnce(snapshot: CommitSnapshot, commit: ObjectID, committed: FileLookup, quiet: Bool) {
        guard !quiet else { return }
        if !said.contains("working tree"),
            let message = notice(repository: snapshot.repository, commit: commit, committed: committed)
        {
            say(message, once: "working tree")
        }
        if case .missing = committed, !said.contains("misspelled"),
            case .file = snapshot.read(ConfigFile.misspelledName, limit: 1 << 20)
        {
            say(
                "commit \(commit.short) has \(ConfigFile.misspelledName) but no \(ConfigFile.fileName), the only name read; "
                    + "using the defaults (rename it: git mv \(ConfigFile.misspelledName) \(ConfigFile.fileName))",
                once: "misspelled")
        }
    }

    private static func say(_ message: String, once kind: String) {
        guard said.insert(kind).inserted else { return }
        Console.err("verify-layers: notice: \(message)")
    }

    /// The notice, or nil when the working tree agrees with the commit (or there is no working tree).
    static func notice(repository: GitRepository, commit: ObjectID, committed: FileLookup) -> String? {
        guard let workdir = repository.workdir else { return nil }
        let path = URL(fileURLWithPath: workdir).appendingPathComponent(ConfigFile.fileName).path
        let local = FileManager.default.contents(atPath: path)
        let name = ConfigFile.fileName
        switch (committed, local) {
        case (.file(let data), let local?) where data != local:
            return
                "\(name) in the working tree differs from the one in commit \(commit.short); using the committed one "
                + "(commit the change, or pass --config \(name) to use the working-tree file)"
        case (.file, nil):
            return "\(name) is deleted in the working tree; using the one in commit \(commit.short)"
        case (.missing, _?):
            return
                "\(name) in the working tree is not in commit \(commit.short) (untracked or not committed); using the defaults "
                + "(commit it, or pass --config \(name) to use it)"
        default:
            return nil
        }
    }
}

/// `3600` seconds → `1h`, `5400` → `1h30m`, as the config file writes durations.
enum DurationText {
    static func compact(_ seconds: Double) -> String {
        // A config may say `cache-ttl: 1e300`: beyond Int, say it as it is rather than trap.
        guard seconds.isFinite, abs(seconds) < 1e15 else { return "\(seconds)s" }
        var rest = Int(seconds.rounded())
        guard rest > 0 else { return "0s" }
        var text = ""
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }
}
