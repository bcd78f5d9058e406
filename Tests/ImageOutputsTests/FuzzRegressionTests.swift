import Foundation
import TestSupport
import Testing

/// The fuzzer's seed corpus and every input it ever crashed on (fuzz/regressions/), replayed through the same harness as
/// `make fuzz` runs, as ordinary tests: a fixed crash stays fixed without building the fuzzer.
private func inputs(_ directory: String) -> [String] {
    let path = PackagePaths.root + "/fuzz/" + directory
    return ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        .map { path + "/" + $0 }
}

@Test func fuzzSeedsReachTheWalker() throws {
    let seeds = inputs("corpus")
    #expect(seeds.count >= 10)
    for name in [
        "oci-single", "oci-nested", "docker-list", "buildx-attestation", "referrer-subject", "umoci-layout",
        "skopeo-dir", "lfs-manifest",
    ] {
        let path = try #require(seeds.first { $0.hasSuffix("/" + name) }, "seed \(name) is missing")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(
            ParserHarness.exercise(data) > 0, "seed \(name) reads no image: the seed format or the harness is broken")
    }
}

@Test func fuzzArchiveSeedsReachTheArchiveReaders() throws {
    for name in ["oci-archive", "oci-archive-gz", "docker-archive"] {
        let data = try Data(contentsOf: URL(fileURLWithPath: PackagePaths.root + "/fuzz/corpus/" + name))
        #expect(ParserHarness.exerciseArchive(data) == 1, "seed \(name) reads no image")
    }
}

@Test(arguments: inputs("corpus") + inputs("regressions"))
func fuzzInputsReplayQuickly(_ path: String) throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(timed { ParserHarness.exercise(data) } < .seconds(1), "\(path)")
}
