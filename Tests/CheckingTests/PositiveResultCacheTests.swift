import Checking
import Foundation
import ImageModel
import TestSupport
import Testing

private let app = RepositoryRef(registryId: "demo", repositoryName: "app")
private let other = RepositoryRef(registryId: "demo", repositoryName: "other")

@Test func remembersPositivesPerRepositoryAndScopeUntilTheyExpire() throws {
    let directory = try TemporaryDirectory(prefix: "vl-cache")
    var clock = Date(timeIntervalSince1970: 1_000_000)
    let writer = PositiveResultCache(commonDir: directory.path, ttl: 3600, scope: "https://a", now: { clock })
    #expect(!writer.isKnownAvailable(digest(1), in: app))
    writer.recordAvailable([(app, digest(1))])
    #expect(writer.isKnownAvailable(digest(1), in: app))
    #expect(!writer.isKnownAvailable(digest(1), in: other))
    #expect(!writer.isKnownAvailable(digest(2), in: app))

    let reader = PositiveResultCache(commonDir: directory.path, ttl: 3600, scope: "https://a", now: { clock })
    #expect(reader.isKnownAvailable(digest(1), in: app), "a second process sees it")
    let otherService = PositiveResultCache(commonDir: directory.path, ttl: 3600, scope: "https://b", now: { clock })
    #expect(!otherService.isKnownAvailable(digest(1), in: app), "another endpoint's answer does not count")

    clock = clock.addingTimeInterval(3601)
    let later = PositiveResultCache(commonDir: directory.path, ttl: 3600, scope: "https://a", now: { clock })
    #expect(!later.isKnownAvailable(digest(1), in: app), "expired")
    #expect(FileManager.default.fileExists(atPath: directory.path + "/verify-layers/available-layers.json"))
}

@Test func corruptCacheIsIgnoredAndRebuilt() throws {
    let directory = try TemporaryDirectory(prefix: "vl-cache")
    try FileManager.default.createDirectory(
        atPath: directory.path + "/verify-layers", withIntermediateDirectories: true)
    let file = directory.path + "/verify-layers/available-layers.json"
    for garbage in ["{not json", #"{"version":1,"entries":{"x":"not a number"}}"#, #"{"version":99,"entries":{}}"#, ""]
    {
        try Data(garbage.utf8).write(to: URL(fileURLWithPath: file))
        let cache = PositiveResultCache(commonDir: directory.path, ttl: 60, scope: "s")
        #expect(!cache.isKnownAvailable(digest(1), in: app))
        cache.recordAvailable([(app, digest(1))])
        let fresh = PositiveResultCache(commonDir: directory.path, ttl: 60, scope: "s")
        #expect(fresh.isKnownAvailable(digest(1), in: app), "rebuilt after \(garbage.debugDescription)")
    }
}

@Test func ttlZeroNeverWrites() throws {
    let directory = try TemporaryDirectory(prefix: "vl-cache")
    let cache = PositiveResultCache(commonDir: directory.path, ttl: 0, scope: "s")
    cache.recordAvailable([(app, digest(1))])
    #expect(!cache.isKnownAvailable(digest(1), in: app))
    #expect(!FileManager.default.fileExists(atPath: directory.path + "/verify-layers/available-layers.json"))
}

@Test func concurrentWritersKeepEveryEntry() async throws {
    let directory = try TemporaryDirectory(prefix: "vl-cache")
    let path = directory.path
    await withTaskGroup(of: Void.self) { group in
        for writer in 0..<8 {
            group.addTask {
                let cache = PositiveResultCache(commonDir: path, ttl: 3600, scope: "s")
                for round in 0..<10 { cache.recordAvailable([(app, digest(writer * 100 + round))]) }
            }
        }
    }
    let reader = PositiveResultCache(commonDir: path, ttl: 3600, scope: "s")
    var missing = 0
    for writer in 0..<8 {
        for round in 0..<10 where !reader.isKnownAvailable(digest(writer * 100 + round), in: app) { missing += 1 }
    }
    #expect(missing == 0)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: path + "/verify-layers").filter {
        $0.contains(".tmp-")
    }
    #expect(leftovers.isEmpty)
}
