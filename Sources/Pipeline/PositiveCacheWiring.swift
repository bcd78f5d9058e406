import Checking
import ImageModel
import Reports

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The on-disk cache under `.git/verify-layers/` is what the verifier's `PositiveCache` asks.
extension PositiveResultCache: PositiveCache {}

extension RunContext {
    /// The positive-result cache of SPEC §7 for the push path, or nil when `--no-cache` or `cache-ttl: 0` turns it off.
    /// `ci` and `check` never use it: they are asked for a fresh answer. Answers are kept per endpoint.
    func makeCache(_ config: ToolConfig, endpoint: String) -> PositiveCache? {
        guard !options.noCache, config.cacheTTL > 0 else { return nil }
        let verbose = options.verbose
        return PositiveResultCache(
            commonDir: repository.commonDir, ttl: config.cacheTTL, scope: endpoint,
            log: verbose ? { Console.err("verify-layers: \($0)") } : nil)
    }
}
