import Foundation
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
