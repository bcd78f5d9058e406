import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Remembers layers the service confirmed AVAILABLE, in `<git-common-dir>/verify-layers/`, so pushing the same layers
/// again makes no call (SPEC §7). It never stores a negative; a missing, corrupt or unwritable file only costs calls.
///
/// Readers take a snapshot of the file (written by rename, so always whole); writers merge under an exclusive
/// `flock` so two pushes running at once both keep what they learned.
public final class PositiveResultCache {
    public static let directoryName = "verify-layers"
    static let fileName = "available-layers.json"
    static let lockName = "available-layers.lock"
    /// Bound on the file's size: the oldest entries go first.
    static let maxEntries = 100_000

    public let directory: String
    let ttl: TimeInterval
    let scope: String
    let now: () -> Date
    let log: ((String) -> Void)?
    private var loaded: [String: Double]?

    /// `scope` separates answers from different services (the endpoint URL): the emulator's yes is not AWS's.
    public init(
        commonDir: String, ttl: TimeInterval, scope: String, now: @escaping () -> Date = Date.init,
        log: ((String) -> Void)? = nil
    ) {
        directory = commonDir.appendingPath(PositiveResultCache.directoryName)
        self.ttl = ttl
        self.scope = scope
        self.now = now
        self.log = log
    }

    var filePath: String { directory.appendingPath(PositiveResultCache.fileName) }

    public func isKnownAvailable(_ digest: Digest, in repository: RepositoryRef) -> Bool {
        if loaded == nil { loaded = readEntries() }
        guard let checked = loaded?[key(repository, digest)] else { return false }
        return isFresh(checked, at: now().timeIntervalSince1970)
    }

    public func recordAvailable(_ entries: [(RepositoryRef, Digest)]) {
        guard ttl > 0, !entries.isEmpty else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            log?("cache: cannot create \(directory): \(error)")
            return
        }
        let lockPath = directory.appendingPath(PositiveResultCache.lockName)
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lock >= 0 else {
            log?("cache: cannot open \(lockPath)")
            return
        }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else {
            log?("cache: cannot lock \(lockPath)")
            return
        }
        defer { flock(lock, LOCK_UN) }
        let time = now().timeIntervalSince1970
        var merged = readEntries().filter { isFresh($0.value, at: time) }
        for (repository, digest) in entries { merged[key(repository, digest)] = time }
        if merged.count > PositiveResultCache.maxEntries {
            let keep = merged.sorted { $0.value > $1.value }.prefix(PositiveResultCache.maxEntries)
            merged = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
        write(merged)
        loaded = merged
    }

    private func isFresh(_ checked: Double, at time: Double) -> Bool {
        // A time in the future means a clock change or a bad file: not trusted.
        checked <= time + 60 && time - checked < ttl
    }

    private func key(_ repository: RepositoryRef, _ digest: Digest) -> String {
        "\(scope) \(repository.registryId ?? "-") \(repository.repositoryName) \(digest.string)"
    }

    /// The file's entries; anything unreadable is treated as empty and replaced on the next write.
    private func readEntries() -> [String: Double] {
        guard let data = FileManager.default.contents(atPath: filePath) else { return [:] }
        guard let file = try? JSONValue.parse(data), file["version"]?.int64Value == Int64(CacheFile.currentVersion),
            let entries = file["entries"]?.objectValue
        else {
            log?("cache: ignoring unreadable \(filePath); it will be rebuilt")
            return [:]
        }
        var times: [String: Double] = [:]
        for (key, value) in entries {
            switch value {
            case .integer(let whole): times[key] = Double(whole)
            case .number(let time) where time.isFinite: times[key] = time
            default: continue
            }
        }
        return times
    }

    private func write(_ entries: [String: Double]) {
        let temporary = filePath + ".tmp-\(getpid())-\(UUID().uuidString.prefix(8))"
        do {
            try Data(CacheFileJSON.encode(version: CacheFile.currentVersion, entries: entries)).write(
                to: URL(fileURLWithPath: temporary))
            guard rename(temporary, filePath) == 0 else {
                unlink(temporary)
                log?("cache: cannot replace \(filePath)")
                return
            }
        } catch {
            unlink(temporary)
            log?("cache: cannot write \(temporary): \(error)")
        }
    }

    /// The file's shape (written by `CacheFileJSON`): entry key → when the service last said AVAILABLE (seconds
    /// since 1970).
    enum CacheFile {
        static let currentVersion = 1
    }
}
