import Foundation
import Testing

@testable import ImageModel

@Test func digestLinesPointAtTheFirstOccurrence() {
    let a = "sha256:" + String(repeating: "a", count: 64)
    let b = "sha256:" + String(repeating: "b", count: 64)
    let json =
        "{\n  \"config\": {\"digest\": \"\(a)\"},\n  \"layers\": [\n    {\"digest\": \"\(b)\"},\n    {\"digest\": \"\(a)\"}\n  ]\n}\n"
    let lines = DigestLines(Data(json.utf8))
    #expect(lines.line(of: a) == 2)
    #expect(lines.line(of: b) == 4)
    #expect(lines.line(of: "sha256:nothere") == 1)
    // Same answers as the one-off scanner it replaces.
    #expect(LineLocator.line(of: b, in: Data(json.utf8)) == 4)
}

@Test func digestLinesSurviveEscapesAndUnterminatedStrings() {
    let json = "{\"a\": \"x\\\"y\",\n\"b\": \"sha256:1\",\n\"c\": \"unterminated\n\"d\": \"z\"}"
    let lines = DigestLines(Data(json.utf8))
    #expect(lines.line(of: "sha256:1") == 2)
    #expect(lines.line(of: "z") == 4)
    #expect(lines.line(of: "x\\\"y") == 1, "escaped literals are not indexed")
}

@Test func digestLinesOnHugeDocumentIsLinear() {
    var json = "{\"layers\":[\n"
    let digests = (0..<40_000).map { "sha256:" + String(format: "%064x", $0) }
    for digest in digests { json += "{\"digest\":\"\(digest)\"},\n" }
    json += "{}]}"
    let clock = ContinuousClock()
    let elapsed = clock.measure {
        let lines = DigestLines(Data(json.utf8))
        #expect(lines.line(of: digests[39_999]) == 40_001)
        #expect(lines.line(of: digests[0]) == 2)
    }
    #expect(elapsed < .seconds(1))
}

@Test func contentHasherInChunksEqualsOneShot() throws {
    let data = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    for algorithm in ["sha256", "sha512"] {
        var hasher = try #require(ContentHasher(algorithm: algorithm))
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let end = min(offset + 4093, raw.count)
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                offset = end
            }
        }
        #expect(hasher.finalize() == ContentDigest.compute(data, algorithm: algorithm))
        #expect(hasher.finalize()?.algorithm == algorithm)
    }
    #expect(ContentHasher(algorithm: "md5") == nil)
    #expect(ContentDigest.compute(Data("{}".utf8), algorithm: "sha256")?.string == MediaType.emptyDigest)
}
