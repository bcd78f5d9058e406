import Testing
@testable import ImageModel

@Test(arguments: [
    "sha256:abc", "sha256:../../etc/passwd", "sha256:" + String(repeating: "A", count: 64), "md5:" + String(repeating: "a", count: 32),
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
