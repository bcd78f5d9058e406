import Testing
@testable import ImageModel
@Test func digestGrammar() { #expect(Digest("sha256:abc") == nil) }
