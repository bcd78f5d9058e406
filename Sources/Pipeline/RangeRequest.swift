import Checking
import Configuration
import GitAccess
import ImageModel
import Reports

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The commits one ref of a push (or one range) brings: reachable from `tip`, not from any of `hidden`.
struct RangeRequest {
    var tip: ObjectID
    var hidden: [ObjectID]
}

extension RunContext {
    /// Peels an id from a pre-push line or CI event to its commit; nil when it is not here or names no commit.
    func peeledCommit(_ id: ObjectID) -> ObjectID? {
        guard repository.contains(id) else { return nil }
        return try? repository.resolveCommit(id.hex)
    }

    /// Which config applies at a commit, cheaply: the `--config` flag, or the blob id of `.verify-layers.yml`.
    func configKey(at commit: ObjectID) throws -> String {
        if options.config != nil { return "--config" }
        return try snapshot(commit).entry(at: ConfigFile.fileName)?.id.hex ?? "none"
    }
}
