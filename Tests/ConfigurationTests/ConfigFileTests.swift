import Foundation
import ImageModel
import TestSupport
import Testing

@testable import Configuration

private func parseError(_ text: String) -> String? {
    do {
        _ = try ConfigFile.parse(text, source: ".verify-layers.yml")
        return nil
    } catch {
        return "\(error)"
    }
}

@Test func everyKeyOfTheSpecParses() throws {
    let text = """
        # verify-layers configuration
        registry: myalias
        images:
          - path: build/oci/app
            repository: app
            registry: otheralias
          - path: "deploy/*.json"
            repository: tools/deployer
        exclude: ["testdata/**", vendor]
        check-config-blob: false
        strict: true
        cache-ttl: 30m
        """
    let config = try ConfigFile.parse(text, source: ".verify-layers.yml")
    #expect(config.registry == "myalias")
    #expect(
        config.images == [
            ImageMapping(path: "build/oci/app", repository: "app", registry: "otheralias"),
            ImageMapping(path: "deploy/*.json", repository: "tools/deployer"),
        ])
    #expect(config.exclude == ["testdata/**", "vendor"])
    #expect(config.checkConfigBlob == false)
    #expect(config.strict == true)
    #expect(config.cacheTTL == 1800)
}

@Test func emptyCommentOnlyAndNullValuesKeepDefaults() throws {
    #expect(
        try ConfigFile.parse("", source: "x")
            == {
                var c = ToolConfig(); c.source = "x"; return c
            }())
    #expect(try ConfigFile.parse("# nothing\n", source: "x").images.isEmpty)
    let config = try ConfigFile.parse("registry:\nstrict: ~\ncache-ttl: 0\n", source: "x")
    #expect(config.registry == nil && config.strict == false && config.cacheTTL == 0)
    #expect(
        try ConfigFile.parse("registry: 123456789012\n", source: "x").registry == "123456789012",
        "an unquoted account id is a number in YAML")
}

@Test(arguments: [
    ("registry: ab\nimage:\n  - path: x\n", ".verify-layers.yml:2: unknown key `image`"),
    ("images:\n  - path: x\n    repository: app\n    repo: app\n", ".verify-layers.yml:4: unknown key `images.repo`"),
    ("strict: \"true\"\n", ".verify-layers.yml:1: `strict` must be true or false"),
    ("strict: maybe\n", ".verify-layers.yml:1: `strict` must be true or false, not \"maybe\""),
    ("check-config-blob: 1\n", ".verify-layers.yml:1: `check-config-blob` must be true or false"),
    ("exclude: testdata\n", ".verify-layers.yml:1: `exclude` must be a list of globs"),
    ("exclude:\n  - ok\n  - [nested]\n", ".verify-layers.yml:3: `exclude` must be a string"),
    ("images: build/app\n", ".verify-layers.yml:1: `images` must be a list"),
    ("images:\n  - build/app\n", ".verify-layers.yml:2: each `images` entry must be a mapping"),
    ("images:\n  - path: x\n", ".verify-layers.yml:2: an `images` entry needs `repository`"),
    ("images:\n  - repository: app\n", ".verify-layers.yml:2: an `images` entry needs `path`"),
    ("images:\n  - path: x\n    repository: yes\n", ".verify-layers.yml:3: `images.repository` must be a string"),
    (
        "images:\n  - path: x\n    repository: Not_Valid!\n",
        ".verify-layers.yml:3: `images.repository` \"Not_Valid!\" is not a valid"
    ),
    ("images:\n  - path: \"\"\n    repository: app\n", ".verify-layers.yml:2: `images.path` must not be empty"),
    ("registry: [a, b]\n", ".verify-layers.yml:1: `registry` must be a string, not a list"),
    ("registry: Bad Alias\n", ".verify-layers.yml:1: `registry` \"Bad Alias\" is neither"),
    ("registry: true\n", ".verify-layers.yml:1: `registry` must be a string"),
    ("cache-ttl: -1h\n", ".verify-layers.yml:1: `cache-ttl` must be a duration"),
    ("cache-ttl: soon\n", ".verify-layers.yml:1: `cache-ttl` must be a duration"),
    ("cache-ttl: .inf\n", ".verify-layers.yml:1: `cache-ttl` must be a duration"),
    ("cache-ttl: 1e306h\n", ".verify-layers.yml:1: `cache-ttl` must be a duration"),
    ("cache-ttl: 1h30\n", ".verify-layers.yml:1: `cache-ttl` must be a duration"),
    ("cache-ttl: 1w\n", ".verify-layers.yml:1: `cache-ttl` must be a duration"),
    ("cache-ttl: h\n", ".verify-layers.yml:1: `cache-ttl` must be a duration"),
    ("cache-ttl: 1h-30m\n", ".verify-layers.yml:1: `cache-ttl` must be a duration"),
    ("- just\n- a list\n", ".verify-layers.yml:1: the file must be a mapping"),
    ("strict: true\nstrict: false\n", ".verify-layers.yml: invalid YAML"),
    ("registry: [unclosed\n", ".verify-layers.yml: invalid YAML"),
])
func badConfigNamesTheKeyAndLine(_ text: String, _ expected: String) throws {
    let message = try #require(parseError(text), "accepted: \(text)")
    #expect(message.hasPrefix(expected), "\(message)")
}

@Test func hostileYAMLEndsQuickly() throws {
    // A billion-laughs document: aliases are shared nodes, and only the top level is walked.
    var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for level in 1..<9 {
        text +=
            "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
    }
    text += "exclude: *a8\n"
    var message: String?
    let elapsed = timed { message = parseError(text) }
    #expect(elapsed < .seconds(1))
    #expect(message?.contains("unknown key `a0`") == true)
    let deep = String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000)
    var deepMessage: String?
    #expect(timed { deepMessage = parseError("exclude: " + deep) } < .seconds(1))
    #expect(deepMessage != nil)
}

@Test func viaAndCheckManifestsKeys() throws {
    let config = try ConfigFile.parse("via: registry\ncheck-manifests: warning\n", source: ".verify-layers.yml")
    #expect(config.via == .registry)
    #expect(config.checkManifests == .warning)
    #expect(
        try ConfigFile.parse("check-manifests: off\n", source: "c").checkManifests == .off,
        "unquoted off is YAML's false")
    #expect(try ConfigFile.parse("check-manifests: \"off\"\n", source: "c").checkManifests == .off)
    #expect(try ConfigFile.parse("", source: "c").checkManifests == .error)
    #expect(try ConfigFile.parse("", source: "c").via == nil)
    #expect(parseError("via: ftp\n")?.contains(".verify-layers.yml:1: `via` must be api, registry or auto") == true)
    #expect(parseError("check-manifests: loud\n")?.contains("`check-manifests` must be error, warning or off") == true)
}

/// Durations as Go (and so most CI tools) write them, plus days: a unit per part, parts added.
@Test(arguments: [
    ("0", 0.0), ("90", 90), ("45s", 45), ("30m", 1800), ("1h", 3600), ("1.5h", 5400), ("1h30m", 5400),
    ("2d12h", 216_000), ("1m30s", 90), ("500ms", 0.5), ("1h0m0s", 3600),
])
func cacheTTLReadsCompoundDurations(_ text: String, _ seconds: Double) throws {
    let config = try ConfigFile.parse("cache-ttl: \(text)\n", source: "x")
    #expect(config.cacheTTL == seconds)
}
