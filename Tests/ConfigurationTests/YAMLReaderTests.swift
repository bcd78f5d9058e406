import Testing

@testable import Configuration

/// The plain-scalar resolution Yams applied (YAML 1.1 core schema), now byte matchers: the config's type errors
/// (`repository: yes` is a bool, an unquoted account id an int) depend on it.
@Test(arguments: [
    ("yes", YAMLTag.bool), ("Off", .bool), ("TRUE", .bool), ("true", .bool), ("y", .str), ("tRue", .str),
    ("0", .int), ("-17", .int), ("1_000", .int), ("0x1F", .int), ("0b101", .int), ("0o17", .int), ("017", .int),
    ("123456789012", .int), ("190:20:30", .int), ("08", .float), ("0x", .str),
    ("1.5", .float), ("-.5", .str), (".5", .float), ("1e3", .float), ("6.8523015e+5", .float), ("-.inf", .float),
    (".NaN", .float), ("190:20:30.15", .float),
    ("", .null), ("~", .null), ("null", .null), ("NULL", .null), ("nil", .str),
    ("2001-12-14", .timestamp), ("2001-12-14t21:59:43.10-05:00", .timestamp), ("2001-12-14 21:59:43.10 -5", .timestamp),
    ("2001-12-14T21:59:43Z", .timestamp), ("2001-12-1", .str),
    ("<<", .merge), ("=", .value), ("myalias", .str), ("1h", .str), ("30m", .str), ("build/oci/app", .str),
])
func plainScalarsResolveAsYamsDid(_ text: String, _ tag: YAMLTag) {
    #expect(YAMLTag(plain: text) == tag, "\(text)")
}

@Test func quotedAndTaggedScalarsAreStrings() throws {
    let root = try #require(try YAMLReader.read("a: \"yes\"\nb: 'true'\nc: !!str 12\nd: yes\n"))
    let tags = try #require(root.mapping).map(\.value.tag)
    #expect(tags == [.str, .str, .str, .bool])
}

@Test func linesAreOneBasedAndAliasesShareTheirAnchor() throws {
    let root = try #require(try YAMLReader.read("# comment\nfirst: &x [a, b]\nsecond: *x\n"))
    let pairs = try #require(root.mapping)
    #expect(pairs.map(\.key.line) == [2, 3])
    #expect(pairs[1].value.sequence?.compactMap(\.scalar) == ["a", "b"])
}

@Test func malformedInputNamesTheLine() {
    #expect(throws: YAMLError.self) { try YAMLReader.read("a: [1, 2\nb: 3\n") }
    #expect(throws: YAMLError.self) { try YAMLReader.read("a: 1\n---\nb: 2\n") }
    #expect(throws: YAMLError.self) { try YAMLReader.read("a: *missing\n") }
    #expect(throws: YAMLError.self) { try YAMLReader.read(String(repeating: "- ", count: 100) + "x\n") }
}
