import Foundation
import Testing

@testable import ImageModel

/// Walks a whole document through JSONPull's callbacks (objects by member, arrays by element, member names and string
/// values as bytes), rebuilding the tree `JSONValue.parse` would give.
private func rebuild(_ pull: inout JSONPull) throws -> JSONValue {
    if pull.atObject {
        var members: [String: JSONValue] = [:]
        try pull.members { pull, name in members[name.string] = try rebuild(&pull) }
        return .object(members)
    }
    if pull.atArray {
        var items: [JSONValue] = []
        try pull.elements { pull in items.append(try rebuild(&pull)) }
        return .array(items)
    }
    return try pull.value()
}

/// JSONPull reads no tree, but it must accept and refuse exactly what `JSONValue.parse` does: a service answer it reads
/// is trusted only if the same bytes would have parsed.
@Test(arguments: [
    #"{"a": [1, -2, 3.5, 1e3, true, false, null], "s": "x\"y\\z\/\n\t\u00e9\ud83d\ude00", "o": {}, "e": [], "n": 1}"#,
    #"{"la\u0079ers": [{"layerDigest": "sha256:\u0061"}], "é": "ü", "dup": 1, "dup": 2}"#,
    "\u{FEFF}{\"bom\": true}", " [ ] ", "\"top\"", "42",
    "", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "[01]", "[1.]", "[-]", "tru", "\"abc", "\"a\u{01}b\"",
    "{\"a\u{01}\": 1}",
    "\"\\x\"", "{} {}", "[1] x", "{1:2}", "[1e]", "1e999", "{\"a\":1 \"b\":2}", "[1 2]", "{\"a\":}", "{\"a\":1",
])
func jsonPullAcceptsExactlyWhatJSONValueAccepts(_ text: String) {
    let data = Data(text.utf8)
    let tree = try? JSONValue.parse(data)
    let pulled = try? JSONPull.read(data) { pull in try rebuild(&pull) }
    #expect(pulled == tree, "\(text.debugDescription)")
}

@Test func jsonPullRefusesInvalidUTF8AndDeepNestingLikeJSONValue() {
    let invalidName = Data([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D])  // {"\xC3(":1}
    #expect(throws: JSONValue.SyntaxError.self) { try JSONPull.read(invalidName) { try rebuild(&$0) } }
    let invalidValue = Data([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D])  // {"a":"\xC3("}
    #expect(throws: JSONValue.SyntaxError.self) {
        try JSONPull.read(invalidValue) { pull in try pull.members { pull, _ in _ = try pull.utf8String { $0.count } } }
    }
    let deep =
        String(repeating: "[", count: JSONValue.maxDepth + 1) + String(repeating: "]", count: JSONValue.maxDepth + 1)
    #expect(throws: JSONValue.SyntaxError.self) { try JSONPull.read(Data(deep.utf8)) { try rebuild(&$0) } }
}

@Test func jsonPullHandsOverNamesAndStringsAsWritten() throws {
    let data = Data(#"{"plain": "abc", "esc\u0061ped": "x\ny", "num": 7}"#.utf8)
    var seen: [String] = []
    try JSONPull.read(data) { pull in
        try pull.members { pull, name in
            if name == "plain" {
                seen.append("plain=" + (try pull.utf8String { String(decoding: $0, as: UTF8.self) } ?? "nil"))
            } else if name == "escaped" {
                seen.append("escaped=" + (try pull.string() ?? "nil"))
            } else {
                seen.append(name.string + "=" + String(describing: try pull.utf8String { $0.count }))
            }
        }
    }
    #expect(seen == ["plain=abc", "escaped=x\ny", "num=nil"])
}
