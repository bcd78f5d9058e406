import Foundation
import Testing

@testable import ImageModel

@Test func jsonValueParsesEveryKindOfValue() throws {
    let text =
        #"{"a": [1, -2, 3.5, 1e3, true, false, null], "s": "x\"y\\z\/\n\t\u00e9\ud83d\ude00", "o": {}, "e": [], "big": 9223372036854775807}"#
    let value = try JSONValue.parse(Data(text.utf8))
    #expect(
        value["a"]
            == .array([.integer(1), .integer(-2), .number(3.5), .number(1000), .bool(true), .bool(false), .null]))
    #expect(value["s"]?.stringValue == "x\"y\\z/\n\té😀")
    #expect(value["o"] == .object([:]))
    #expect(value["e"] == .array([]))
    #expect(value["big"]?.int64Value == Int64.max)
    #expect(value["a"]?.arrayValue?[3].int64Value == 1000)
    #expect(value["a"]?.arrayValue?[2].int64Value == nil)
}

@Test(arguments: [
    "", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "[01]", "[1.]", "[-]", "[.5]", "tru", "nul", "\"abc",
    "\"a\u{01}b\"",
    "\"\\x\"", "\"\\u12\"", "{} {}", "[1] x", "{1:2}", "[1e]", "[\"\\ud800\\u12G4\"]", "1e999",
])
func jsonValueRejectsWhatRFC8259Rejects(_ text: String) {
    #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse(Data(text.utf8)) }
}

@Test func jsonValueRejectsInvalidUTF8AndDeepNesting() {
    #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse(Data([0x22, 0xC3, 0x28, 0x22])) }
    let deep =
        String(repeating: "[", count: JSONValue.maxDepth + 1) + String(repeating: "]", count: JSONValue.maxDepth + 1)
    #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse(Data(deep.utf8)) }
    let fine = String(repeating: "[", count: JSONValue.maxDepth) + String(repeating: "]", count: JSONValue.maxDepth)
    #expect((try? JSONValue.parse(Data(fine.utf8))) != nil)
}

@Test func jsonValueAgreesWithJSONSerializationOnRealDocuments() throws {
    let documents = [
        #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:aa","size":7023},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:bb","size":32654,"annotations":{"x":"y"}}]}"#,
        #"{"layers":[{"layerDigest":"sha256:cc","layerAvailability":"AVAILABLE","layerSize":12,"mediaType":"m"}],"failures":[{"layerDigest":"sha256:dd","failureCode":"MissingLayerDigest","failureReason":"r"}]}"#,
    ]
    for document in documents {
        let ours = try JSONValue.parse(Data(document.utf8))
        let theirs = try JSONSerialization.jsonObject(with: Data(document.utf8))
        #expect(render(ours) == render(any: theirs))
    }
}

private func render(_ value: JSONValue) -> String {
    switch value {
    case .object(let members):
        return "{" + members.keys.sorted().map { "\($0):\(render(members[$0] ?? .null))" }.joined(separator: ",") + "}"
    case .array(let items): return "[" + items.map(render).joined(separator: ",") + "]"
    case .string(let text): return "s\(text)"
    case .integer(let number): return "n\(number)"
    case .number(let number): return "n\(number)"
    case .bool(let flag): return "b\(flag)"
    case .null: return "null"
    }
}

private func render(any value: Any) -> String {
    switch value {
    case let object as [String: Any]:
        return "{" + object.keys.sorted().map { "\($0):\(render(any: object[$0] ?? NSNull()))" }.joined(separator: ",")
            + "}"
    case let items as [Any]: return "[" + items.map { render(any: $0) }.joined(separator: ",") + "]"
    case let text as String: return "s\(text)"
    case let number as NSNumber: return "n\(number.int64Value)"
    default: return "null"
    }
}
