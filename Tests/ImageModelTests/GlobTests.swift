import Foundation
import TestSupport
import Testing

@testable import ImageModel

@Test(arguments: [
    ("build/oci/app", "build/oci/app", true),
    ("build/*/app", "build/oci/app", true),
    ("build/*", "build/oci/app", false),
    ("build/**", "build/oci/app", true),
    ("build/**", "build", true),
    ("**/app", "build/oci/app", true),
    ("**/app", "app", true),
    ("**", "anything/at/all", true),
    ("build/**/app", "build/app", true),
    ("build/**/app", "build/a/b/c/app", true),
    ("build/**/app", "build/a/b/c/api", false),
    ("deploy/*.json", "deploy/web.json", true),
    ("deploy/*.json", "deploy/web.yaml", false),
    ("deploy/?pi.json", "deploy/api.json", true),
    ("deploy/?pi.json", "deploy/rapi.json", false),
    ("*a*b*c", "xxaxxbxxc", true),
    ("*a*b*c", "xxaxxcxxb", false),
    ("./build/app", "build/app", true),
    ("build/app/", "build/app", true),
    ("é*", "été", true),
    // Bracket classes and escapes, as gitignore reads them.
    ("images/[ab]pp", "images/app", true),
    ("images/[ab]pp", "images/bpp", true),
    ("images/[ab]pp", "images/cpp", false),
    ("images/v[0-9]", "images/v7", true),
    ("images/v[0-9]", "images/vx", false),
    ("images/[!t]*", "images/app", true),
    ("images/[!t]*", "images/testdata", false),
    ("images/[^t]*", "images/testdata", false),
    ("images/[]x]", "images/]", true),
    ("images/[a-]", "images/-", true),
    ("images/*[0-9][0-9]", "images/build42", true),
    ("images/*[0-9][0-9]", "images/build4", false),
    ("images/[ab", "images/[ab", true),
    ("images/\\*", "images/*", true),
    ("images/\\*", "images/app", false),
])
func globsMatchLikeGitignore(_ pattern: String, _ path: String, _ expected: Bool) {
    #expect(Glob.matches(pattern: pattern, path: path) == expected)
}

@Test func globCoversPathsBelowAMatch() {
    #expect(Glob.covers(pattern: "testdata/**", path: "testdata/x/index.json"))
    #expect(Glob.covers(pattern: "testdata", path: "testdata/x/index.json"))
    #expect(Glob.covers(pattern: "*/x", path: "testdata/x/index.json"))
    #expect(!Glob.covers(pattern: "*/y", path: "testdata/x/index.json"))
    #expect(!Glob.covers(pattern: "", path: "testdata"))
    #expect(!Glob.covers(pattern: "testdata", path: "src/testdata2/index.json"))
}

@Test func pathologicalGlobsAreLinear() {
    let stars = String(repeating: "*a", count: 300) + "b"
    let text = String(repeating: "a", count: 600)
    let deep = Array(repeating: "**", count: 200).joined(separator: "/") + "/x"
    let path = Array(repeating: "d", count: 200).joined(separator: "/")
    let clock = ContinuousClock()
    let elapsed = clock.measure {
        #expect(!Glob.matches(pattern: stars, path: text))
        #expect(!Glob.matches(pattern: deep, path: path))
        #expect(!Glob.covers(pattern: deep, path: path))
    }
    #expect(elapsed < .seconds(1), "the old backtracking matcher never finished these")
}

/// Within one segment, `*`, `?` and bracket classes mean what POSIX `fnmatch` (and so gitignore) says: checked against
/// Python's `fnmatch.fnmatchcase` on random patterns over a small alphabet that is all edge cases (`[`, `]`, `!`, `-`).
@Test func segmentGlobsAgreeWithFnmatch() throws {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }
    let patternAlphabet = Array("ab-]![*?")
    let textAlphabet = Array("ab-]![")
    var pairs: [(String, String)] = []
    for _ in 0..<3000 {
        let pattern = String((0..<next(7) + 1).map { _ in patternAlphabet[next(patternAlphabet.count)] })
        let text = String((0..<next(5)).map { _ in textAlphabet[next(textAlphabet.count)] })
        pairs.append((pattern, text))
    }
    let input = try JSONSerialization.data(withJSONObject: pairs.map { [$0.0, $0.1] })
    let script =
        "import fnmatch, json, sys; print(json.dumps([fnmatch.fnmatchcase(t, p) for p, t in json.load(sys.stdin)]))"
    let result = try Shell.run(["python3", "-c", script], stdin: String(decoding: input, as: UTF8.self))
    let expected = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [Bool])
    try #require(expected.count == pairs.count)
    var disagreements: [String] = []
    for ((pattern, text), fnmatch) in zip(pairs, expected) where text.isEmpty == false {
        let ours = Glob.matches(pattern: pattern, path: text)
        if ours != fnmatch { disagreements.append("\(pattern.debugDescription) on \(text.debugDescription): \(ours)") }
    }
    #expect(disagreements.isEmpty, "\(disagreements.prefix(20))")
}
