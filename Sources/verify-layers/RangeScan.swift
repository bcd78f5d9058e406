import ECRPublic
import Foundation
import GitSource
import ImageModel
import Reporters
import Verification

extension PositiveResultCache: PositiveCache {}

/// The commits one ref of a push (or one range) brings: reachable from `tip`, not from any of `hidden`.
struct RangeRequest {
    var tip: ObjectID
    var hidden: [ObjectID]
}

/// What a range scan found, with the config that governs the verification.
struct RangeScanOutcome {
    var scan: ScanResult
    var config: ToolConfig
    var commits: Int
}

extension RunContext {
    /// Peels an id from a pre-push line or CI event to its commit; nil when it is not here or names no commit.
    func peeledCommit(_ id: ObjectID) -> ObjectID? {
        guard repository.contains(id) else { return nil }
        return try? repository.resolveCommit(id.hex)
    }

    /// Reads every image-output version the requested ranges introduce, each distinct version once across ranges.
    /// Each range uses the config at its own tip; an earlier range's tip is hidden from later ones, so a commit
    /// reached by two refs is scanned once.
    func scanIntroduced(_ requests: [RangeRequest], progress: ProgressLine? = nil) throws -> RangeScanOutcome {
        let scanner = RangeScanner(repository: repository)
        var result = ScanResult()
        var firstConfig: ToolConfig?
        var earlierTips: [ObjectID] = []
        for request in requests {
            let config = try self.config(at: request.tip)
            if firstConfig == nil { firstConfig = config }
            progress?.update("reading commits")
            let imageScanner = ImageScanner(repository: repository, resolver: resolver(config), exclude: config.exclude)
            do {
                let part = try scanner.scan(tips: [request.tip], hidden: request.hidden + earlierTips, scanner: imageScanner,
                                            manifestFiles: config.manifestFileCandidates)
                result.images += part.images
                result.findings += part.findings
            } catch let error as GitError {
                throw Failure.config("cannot read the commits to check: \(error.message)")
            }
            earlierTips.append(request.tip)
        }
        return RangeScanOutcome(scan: applyShard(result), config: firstConfig ?? ToolConfig(), commits: scanner.commitsScanned)
    }

    /// The positive-result cache of SPEC §7, or nil when `--no-cache`, `ci`, or `cache-ttl: 0` turns it off.
    func makeCache(_ config: ToolConfig, ci: Bool = false) -> PositiveCache? {
        guard !ci, !options.noCache, config.cacheTTL > 0 else { return nil }
        let endpoint = (try? EndpointResolver.resolve(flag: options.endpointURL, region: options.region, environment: environment))?.url ?? "default"
        let verbose = options.verbose
        return PositiveResultCache(commonDir: repository.commonDir, ttl: config.cacheTTL, scope: endpoint,
                                   log: verbose ? { Console.err("verify-layers: \($0)") } : nil)
    }

    /// Asks the service about every distinct blob of `scan` and emits the report; returns the exit code.
    func verifyAndEmit(_ scan: ScanResult, config: ToolConfig, ci: Bool = false, defaultFormat: ReportFormat = .text,
                       progress: ProgressLine? = nil) throws -> Int32 {
        let client = try makeClient(ci: ci)
        let layers = Set(scan.images.flatMap { $0.blobs.map(\.digest) }).count
        progress?.update("asking ECR Public about \(layers) blob\(layers == 1 ? "" : "s") of \(scan.images.count) image\(scan.images.count == 1 ? "" : "s")")
        let verifier = Verifier(registry: client, cache: makeCache(config, ci: ci), options: verifyOptions(config))
        let report = verifier.verify(scan, started: started)
        progress?.finish()
        return try emit(report, defaultFormat: defaultFormat)
    }
}

/// Parses `A..B`, `A..` (to HEAD) and `..B` (from HEAD) the way git does; `A...B` is refused rather than misread.
enum RangeSyntax {
    static func parse(_ text: String) throws -> (base: String, head: String) {
        if text.contains("...") {
            throw Failure.usage("--range \(text.debugDescription): symmetric ranges (A...B) are not supported; use A..B")
        }
        guard let separator = text.range(of: "..") else {
            throw Failure.usage("--range \(text.debugDescription) must look like A..B (commits reachable from B and not from A)")
        }
        let base = String(text[..<separator.lowerBound])
        let head = String(text[separator.upperBound...])
        if base.isEmpty && head.isEmpty { throw Failure.usage("--range needs at least one side: A..B, A.. or ..B") }
        return (base.isEmpty ? "HEAD" : base, head.isEmpty ? "HEAD" : head)
    }
}
