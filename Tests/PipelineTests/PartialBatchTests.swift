import Foundation
import ImageModel
import Pipeline
import TestSupport
import Testing

/// Each repository's last, partial batch leaves as soon as no unread output can add to it (issue #16); with outputs
/// of one repository far apart, mapped both ways, and an archive (known only once read) among them, the calls stay at
/// the minimum and the verdicts are those of a run that sends every remainder at the end.
@Suite struct PartialBatchTests {
    /// The mixed tree: app in two named layouts far apart, in an archive and in a config-mapped layout; web in between.
    struct MixedTree {
        var files: [String: Data] = [:]
        var blobs: [String: [String: Int64]] = [:]

        init() {
            add("a/app1", "app", named: true, layers: 60)
            add("k/tool.tar", "app", named: true, layers: 5, archive: true)
            add("m/web", "web", named: true, layers: 10)
            add("mapped/app", "app", named: false, layers: 30)
            add("z/app2", "app", named: true, layers: 60)
            files[".verify-layers.yml"] = Data(
                "images:\n  - path: mapped/app\n    repository: app\n    registry: demo\n".utf8)
        }

        private mutating func add(_ path: String, _ repository: String, named: Bool, layers: Int, archive: Bool = false)
        {
            let image = FixtureImage(layers: (0..<layers).map { FixtureBlob.layer("\(path)-\($0)") })
            let name = named ? "public.ecr.aws/demo/\(repository):1" : nil
            for blob in image.layers + [image.config] { blobs[repository, default: [:]][blob.digest] = blob.size }
            guard archive else {
                files.merge(LayoutBuilder.files(at: path, images: [image], name: name)) { $1 }
                return
            }
            let members = LayoutBuilder.files(at: "x", images: [image], name: name).sorted { $0.key < $1.key }.map {
                TarBuilder.Member.file(String($0.key.dropFirst(2)), $0.value)
            }
            files[path] = TarBuilder(members).build()
        }

        /// ceil(distinct digests / 100) per repository.
        var minimumCalls: Int { blobs.values.reduce(0) { $0 + ($1.count + 99) / 100 } }
    }

    /// Runs `check` (of HEAD, or of `range`) in-process; the exit code, the calls made and the JSON summary.
    static func check(_ repo: GitFixture, _ emulator: Emulator, range: String? = nil) throws -> (
        code: Int32, calls: [EmulatorRequest], summary: JSONValue?
    ) {
        let output = try TemporaryDirectory(prefix: "vl-partial")
        var settings = RunSettings()
        settings.directory = repo.path
        settings.quiet = true
        settings.reports = [ReportSpec(format: .json, path: output.path + "/report.json")]
        let code = try Pipeline.check(
            revision: nil, range: range, settings: settings,
            environment: GitFixture.baseEnvironment.merging(emulator.environment) { $1 })
        let report = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: output.path + "/report.json")))
        return (code, try emulator.batchCalls(), report["summary"])
    }

    @Test func aTreeCheckMakesTheMinimumOfCalls() throws {
        let tree = MixedTree()
        let repo = try GitFixture()
        try repo.write(tree.files)
        try repo.commitAll()
        let emulator = try Emulator(repositories: tree.blobs)
        let (code, calls, summary) = try Self.check(repo, emulator)
        #expect(code == 0)
        #expect(tree.minimumCalls == 3)
        #expect(calls.count == tree.minimumCalls)
        let asked = calls.flatMap { call in (call.layerDigests ?? []).map { "\(call.repositoryName ?? "")|\($0)" } }
        let expected = tree.blobs.flatMap { repository, blobs in blobs.keys.map { "\(repository)|\($0)" } }
        #expect(asked.sorted() == expected.sorted(), "every digest asked once, under its repository")
        #expect(summary?["available"]?.int64Value == Int64(expected.count))
        #expect(summary?["requests"]?.int64Value == Int64(tree.minimumCalls))
    }

    @Test func aRangeCheckMakesTheMinimumOfCalls() throws {
        let tree = MixedTree()
        let repo = try GitFixture()
        try repo.write("README", Data("base\n".utf8))
        try repo.commitAll("base")
        try repo.write(tree.files)
        try repo.commitAll("images")
        let emulator = try Emulator(repositories: tree.blobs)
        let (code, calls, summary) = try Self.check(repo, emulator, range: "HEAD~1..HEAD")
        #expect(code == 0)
        #expect(calls.count == tree.minimumCalls)
        #expect(summary?["available"]?.int64Value == Int64(tree.blobs.values.reduce(0) { $0 + $1.count }))
    }
}
