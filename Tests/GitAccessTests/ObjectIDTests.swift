import Testing

@testable import GitAccess

@Test func objectIDRoundTripsHexAndGitOid() throws {
    let hex = "1123456789abcdef00112233445566778899aabb"
    let id = try #require(ObjectID(hex: hex))
    #expect(id.hex == hex)
    #expect(ObjectID(id.raw) == id)
    #expect(id.short == "1123456789ab")
    #expect(!id.isZero)
    #expect(ObjectID(hex: String(repeating: "0", count: 40))?.isZero == true)
    #expect(try #require(ObjectID(hex: "00" + hex.dropFirst(2))) < id)
}

@Test(arguments: [
    "", "0123", String(repeating: "a", count: 39), String(repeating: "a", count: 41), String(repeating: "A", count: 40),
    String(repeating: "g", count: 40),
])
func objectIDRejectsAnythingButFortyLowercaseHexDigits(_ text: String) {
    #expect(ObjectID(hex: text) == nil)
}
