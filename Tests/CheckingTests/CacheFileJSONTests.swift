import Foundation
import ImageModel
import TestSupport
import Testing

@testable import Checking

@Test func cacheFileIsSortedJSONWithItsKeysEscaped() {
    let bytes = CacheFileJSON.encode(
        version: 1, entries: ["b\t\u{1}": 2.5, "a\"\\é": 1_700_000_000, "c": 1_764_684_000.125, "nan": .nan])
    #expect(
        String(decoding: bytes, as: UTF8.self)
            == #"{"entries":{"a\"\\é":1700000000,"b\u0009\u0001":2.5,"c":1764684000.125},"version":1}"#)
    let parsed = try? JSONValue.parse(Data(bytes))
    #expect(parsed?["entries"]?.objectValue?.count == 3)
}

@Test func cacheScopeThatNeedsEscapingIsReadBack() throws {
    let directory = try TemporaryDirectory(prefix: "vl-cache")
    let app = RepositoryRef(registryId: "demo", repositoryName: "app")
    let layer = digest(7)
    let scope = "https://host/\"quoted\"\\path\t\u{7}é"
    PositiveResultCache(commonDir: directory.path, ttl: 3600, scope: scope).recordAvailable([(app, layer)])
    #expect(PositiveResultCache(commonDir: directory.path, ttl: 3600, scope: scope).isKnownAvailable(layer, in: app))
    #expect(
        !PositiveResultCache(commonDir: directory.path, ttl: 3600, scope: "https://host/").isKnownAvailable(
            layer, in: app))
}
