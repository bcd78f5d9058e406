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
    // Written only by the reading thread, before and while it reads commits (never concurrently).
    nonisolated(unsafe) private static var said = false
    nonisolated(unsafe) private static var saidMessages = Set<String>()

    static func noticeOnce(repository: GitRepository, commit: ObjectID, committed: FileLookup, quiet: Bool) {
        guard !said, !quiet, let message = notice(repository: repository, commit: commit, committed: committed) else {
            return
        }
        say(message)
    }

    /// Says a notice about the config once per run (the check of every commit of a push reads the config again).
    static func say(_ message: String) {
        guard !saidMessages.contains(message) else { return }
        saidMessages.insert(message)
        said = true
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
