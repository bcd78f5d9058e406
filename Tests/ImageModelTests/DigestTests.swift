import Foundation
import Testing

@testable import ImageModel

@Test(arguments: [
    "sha256:abc", "sha256:../../etc/passwd", "sha256:" + String(repeating: "A", count: 64),
    "md5:" + String(repeating: "a", count: 32),
    "sha256:" + String(repeating: "a", count: 65), "sha512:" + String(repeating: "a", count: 64), "", ":", "sha256",
    "sha256:" + String(repeating: "a", count: 63) + "/", "sha256:" + String(repeating: "a", count: 63) + "\u{0}",
])
func digestsOutsideTheGrammarAreRejected(_ text: String) {
    #expect(Digest(text) == nil)
}

@Test func digestsInTheGrammarAreAccepted() {
    #expect(Digest("sha256:" + String(repeating: "0", count: 64))?.encoded.count == 64)
    #expect(Digest("sha512:" + String(repeating: "f", count: 128))?.algorithm == "sha512")
}

@Test func digestsRoundTripTheirTextAndOrderAsTheTextDoes() {
    let texts = [
        "sha256:" + String(repeating: "0", count: 63) + "1", "sha256:0f" + String(repeating: "e", count: 62),
        "sha256:f0" + String(repeating: "0", count: 62), "sha256:" + String(repeating: "a", count: 64),
        "sha512:" + String(repeating: "0", count: 127) + "9",
        "sha512:" + "0123456789abcdef" + String(repeating: "f", count: 112),
    ]
    let digests = texts.compactMap { Digest($0) }
    #expect(digests.count == texts.count)
    #expect(digests.map(\.string) == texts)
    #expect(digests.map(\.description) == texts)
    #expect(digests.sorted().map(\.string) == texts.sorted())
    var bytes: [UInt8] = []
    digests[1].appendUTF8(to: &bytes)
    #expect(String(decoding: bytes, as: UTF8.self) == texts[1])
    #expect(Set(digests + digests).count == texts.count)
    #expect(digests[4].encoded == String(texts[4].dropFirst(7)))
}

@Test func digestsFromHashBytesEqualTheirHex() {
    let bytes = (0..<32).map { UInt8($0 * 7 % 256) }
    let hex = bytes.map { String(format: "%02x", $0) }.joined()
    #expect(Digest(sha256Bytes: bytes) == Digest("sha256:" + hex))
    #expect(Digest(sha256Bytes: bytes.dropLast()) == nil)
    let long = (0..<64).map { UInt8(255 - $0) }
    #expect(Digest(sha512Bytes: long)?.string == "sha512:" + long.map { String(format: "%02x", $0) }.joined())
    let text = "sha256:" + hex
    let parsed = Array(text.utf8).withUnsafeBufferPointer { Digest(utf8: $0) }
    #expect(parsed == Digest(text))
}
