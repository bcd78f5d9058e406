import Foundation
import Testing

@testable import ImageModel

private let oid = String(repeating: "ab", count: 32)

@Test func lfsPointerAsGitLFSWritesIt() throws {
    let text = "version https://git-lfs.github.com/spec/v1\noid sha256:\(oid)\nsize 12345\n"
    let pointer = try #require(LFSPointer.parse(Data(text.utf8)))
    #expect(pointer.oid.string == "sha256:\(oid)")
    #expect(pointer.size == 12345)
    #expect(pointer.text == text)
}

@Test func lfsPointerWithExtensionsAndLegacyVersion() throws {
    let extended = "version https://git-lfs.github.com/spec/v1\next-0-foo sha256:\(oid)\noid sha256:\(oid)\nsize 0\n"
    #expect(LFSPointer.parse(Data(extended.utf8))?.size == 0)
    let legacy = "version https://hawser.github.com/spec/v1\noid sha256:\(oid)\nsize 7"
    #expect(LFSPointer.parse(Data(legacy.utf8))?.size == 7)
}

@Test(arguments: [
    ("not a pointer", "hello world\n"),
    ("wrong version", "version https://example.com/spec/v9\noid sha256:\(oid)\nsize 1\n"),
    ("version not first", "oid sha256:\(oid)\nversion https://git-lfs.github.com/spec/v1\nsize 1\n"),
    ("keys out of order", "version https://git-lfs.github.com/spec/v1\nsize 1\noid sha256:\(oid)\n"),
    ("path in oid", "version https://git-lfs.github.com/spec/v1\noid sha256:../../../../etc/passwd\nsize 1\n"),
    ("short oid", "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 1\n"),
    ("upper-case oid", "version https://git-lfs.github.com/spec/v1\noid sha256:\(oid.uppercased())\nsize 1\n"),
    ("sha512 oid", "version https://git-lfs.github.com/spec/v1\noid sha512:\(oid)\(oid)\nsize 1\n"),
    ("negative size", "version https://git-lfs.github.com/spec/v1\noid sha256:\(oid)\nsize -1\n"),
    ("absurd size", "version https://git-lfs.github.com/spec/v1\noid sha256:\(oid)\nsize 99999999999999999999\n"),
    ("size with sign", "version https://git-lfs.github.com/spec/v1\noid sha256:\(oid)\nsize +1\n"),
    ("missing size", "version https://git-lfs.github.com/spec/v1\noid sha256:\(oid)\n"),
    ("CRLF", "version https://git-lfs.github.com/spec/v1\r\noid sha256:\(oid)\r\nsize 1\r\n"),
    ("blank line", "version https://git-lfs.github.com/spec/v1\n\noid sha256:\(oid)\nsize 1\n"),
    ("empty", ""),
])
func lfsPointerRejects(_ label: String, _ text: String) {
    #expect(LFSPointer.parse(Data(text.utf8)) == nil, "\(label)")
}

@Test func lfsPointerOver1024BytesIsContent() {
    let text =
        "version https://git-lfs.github.com/spec/v1\next-0-x \(String(repeating: "y", count: 1100))\noid sha256:\(oid)\nsize 1\n"
    #expect(LFSPointer.parse(Data(text.utf8)) == nil)
}

@Test func lfsPointerNonUTF8IsContent() {
    var data = Data("version https://git-lfs.github.com/spec/v1\noid sha256:\(oid)\nsize 1\n".utf8)
    data.append(0xff)
    #expect(LFSPointer.parse(data) == nil)
}
