import Foundation
import GitAccess
import ImageModel
import ImageOutputs
import TestSupport
import Testing

@testable import Checking

/// An OCI layout of one image of `layers` fresh layers, named `public.ecr.aws/demo/<repository>` (unnamed when nil).
func forecastLayout(at dir: String, _ repository: String?, layers: Int, multiPlatform: Bool = false) -> [String: Data] {
    let image = FixtureImage(layers: (0..<layers).map { FixtureBlob.layer("\(dir)-\($0)") })
    return LayoutBuilder.files(
        at: dir, images: [image], name: repository.map { "public.ecr.aws/demo/\($0):1" }, multiPlatform: multiPlatform)
}

/// The same layout as one tar archive at `path` (an `oci-archive:`).
func forecastArchive(at path: String, _ repository: String, layers: Int) -> [String: Data] {
    let members = forecastLayout(at: "x", repository, layers: layers).sorted { $0.key < $1.key }.map {
        TarBuilder.Member.file(String($0.key.dropFirst(2)), $0.value)
    }
    return [path: TarBuilder(members).build()]
}

/// Which repositories an output can map to is predicted before it is read (issue #16), and the prediction lets each
/// repository's last batch leave as soon as no unread output can add to it.
@Suite struct OutputForecastTests {
    static func repository(_ name: String) -> RepositoryRef { RepositoryRef(registryId: "demo", repositoryName: name) }

    /// Scans HEAD of `fixture`; each output's path with its forecast and the repositories its images really took.
    static func forecasts(_ fixture: GitFixture, resolver: RepositoryResolver = RepositoryResolver()) throws
        -> [(path: String, forecast: RepositoryForecast, read: Set<RepositoryRef>)]
    {
        let repository = try GitRepository(discovering: fixture.path)
        var forecasts: [RepositoryForecast] = []
        var parts: [ScanResult] = []
        _ = try ImageScanner(repository: repository, resolver: resolver).scan(
            commit: try repository.resolveCommit("HEAD"), forecast: { forecasts += $0 }, onOutput: { parts.append($0) })
        #expect(forecasts.count == parts.count, "one forecast per output read")
        return zip(forecasts, parts).map { forecast, part in
            (part.candidates.first?.path ?? "", forecast, Set(part.images.compactMap(\.repository)))
        }
    }

    @Test func eachOutputIsForecastFromItsPathOrItsIndex() throws {
        let fixture = try GitFixture()
        var files = forecastLayout(at: "a/app", "app", layers: 2)
        files.merge(forecastLayout(at: "b/multi", "web", layers: 1, multiPlatform: true)) { $1 }
        files.merge(forecastLayout(at: "c/unnamed", nil, layers: 1)) { $1 }
        files.merge(forecastArchive(at: "d/tool.tar", "tool", layers: 1)) { $1 }
        files.merge(forecastLayout(at: "e/mapped", nil, layers: 1)) { $1 }
        files.merge(forecastLayout(at: "f/renamed", "web", layers: 1)) { $1 }
        files["g/broken/oci-layout"] = Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)
        files["g/broken/index.json"] = Data("{not json".utf8)
        try fixture.write(files)
        try fixture.commitAll()
        let resolver = RepositoryResolver(
            mappings: [
                ImageMapping(path: "e/mapped", repository: "mapped", registry: "demo"),
                ImageMapping(path: "f/*", repository: "app", registry: "demo"),
            ])
        let outputs = try Self.forecasts(fixture, resolver: resolver)
        let byPath = Dictionary(uniqueKeysWithValues: outputs.map { ($0.path, $0.forecast) })
        #expect(byPath["a/app"] == .repositories([Self.repository("app")]), "named in index.json")
        #expect(byPath["b/multi"] == .unknown, "a nested index may name its images itself")
        #expect(byPath["c/unnamed"] == .unknown, "the manifest may carry the name")
        #expect(byPath["d/tool.tar"] == .unknown, "an archive is known only once read")
        #expect(byPath["e/mapped"] == .repositories([Self.repository("mapped")]), "a config mapping decides alone")
        #expect(byPath["f/renamed"] == .repositories([Self.repository("app")]), "the mapping wins over the name")
        #expect(byPath["g/broken"] == .repositories([]), "an index that cannot be parsed yields no image")
        for output in outputs {
            if case .repositories(let foreseen) = output.forecast {
                #expect(output.read.isSubset(of: foreseen), "\(output.path): read \(output.read), foreseen \(foreseen)")
            }
        }
    }

    @Test func aForcedRepositoryForecastsEveryOutputArchivesToo() throws {
        let fixture = try GitFixture()
        var files = forecastLayout(at: "a/app", "app", layers: 1)
        files.merge(forecastArchive(at: "d/tool.tar", "tool", layers: 1)) { $1 }
        try fixture.write(files)
        try fixture.commitAll()
        let outputs = try Self.forecasts(
            fixture, resolver: RepositoryResolver(forcedRepository: "forced", forcedRegistry: "demo"))
        #expect(outputs.count == 2)
        #expect(outputs.allSatisfy { $0.forecast == .repositories([Self.repository("forced")]) })
        #expect(outputs.allSatisfy { $0.read == [Self.repository("forced")] })
    }

    @Test func aRangesVersionsAreForecastInTheOrderTheyAreRead() throws {
        let fixture = try GitFixture()
        try fixture.write(forecastLayout(at: "a/app", "app", layers: 1))
        try fixture.commitAll("app")
        try fixture.write(forecastArchive(at: "b/tool.tar", "tool", layers: 1))
        try fixture.write(forecastLayout(at: "c/web", "web", layers: 1))
        try fixture.commitAll("tool and web")
        let repository = try GitRepository(discovering: fixture.path)
        let scanner = ImageScanner(repository: repository, resolver: RepositoryResolver())
        let reader = RangeScanner(repository: repository)
        let changes = try reader.changes(tips: [try repository.resolveCommit("HEAD")], hidden: [], scanner: scanner)
        let forecasts = try reader.forecast(changes, scanner: scanner)
        var read: [Set<RepositoryRef>] = []
        _ = try reader.read(changes, scanner: scanner) { read.append(Set($0.images.compactMap(\.repository))) }
        #expect(
            forecasts == [.repositories([Self.repository("app")]), .unknown, .repositories([Self.repository("web")])])
        #expect(read == [[Self.repository("app")], [Self.repository("tool")], [Self.repository("web")]])
    }

    /// Reads HEAD of `fixture` into a plan as a streaming check does; each output read ("read <path>") and each batch
    /// that left, as "<outputs read by then>:repository:count" (outputs + 1: at the end of reading).
    static func releases(_ fixture: GitFixture) throws -> [String] {
        let repository = try GitRepository(discovering: fixture.path)
        let plan = Plan(checkConfigBlob: true, cache: nil)
        let stream = BatchStream()
        let sink = ImageSink(plan: plan, stream: stream)
        var read = 0
        var log: [String] = []
        func note() {
            log += stream.take(waitingUpTo: 0).batches.map {
                "\(read):\($0.repository.repositoryName):\($0.digests.count)"
            }
        }
        _ = try ImageScanner(repository: repository, resolver: RepositoryResolver()).scan(
            commit: try repository.resolveCommit("HEAD"), forecast: sink.expect,
            onOutput: { part in
                part.images.forEach { sink($0) }
                sink.outputRead()
                read += 1
                log.append("read \(part.candidates.first?.path ?? "")")
                note()
            })
        read += 1
        stream.push(plan.finish())
        note()
        return log
    }

    @Test func aRepositorysLastBatchLeavesAfterItsLastOutputNotAtTheEnd() throws {
        let fixture = try GitFixture()
        var files = forecastLayout(at: "a/app1", "app", layers: 60)
        files.merge(forecastLayout(at: "m/web", "web", layers: 10)) { $1 }
        files.merge(forecastLayout(at: "z/app2", "app", layers: 60)) { $1 }
        try fixture.write(files)
        try fixture.commitAll()
        #expect(
            try Self.releases(fixture) == [
                "read a/app1", "read m/web", "2:web:11", "read z/app2", "3:app:100", "3:app:22",
            ])
    }

    @Test func anArchiveHoldsBackTheRemaindersUntilItIsRead() throws {
        let fixture = try GitFixture()
        var files = forecastLayout(at: "a/app1", "app", layers: 60)
        files.merge(forecastLayout(at: "m/web", "web", layers: 10)) { $1 }
        files.merge(forecastArchive(at: "n/tool.tar", "app", layers: 5)) { $1 }
        files.merge(forecastLayout(at: "z/app2", "app", layers: 60)) { $1 }
        try fixture.write(files)
        try fixture.commitAll()
        // web's batch waits for the archive read after it; app's for its last layout.
        #expect(
            try Self.releases(fixture) == [
                "read a/app1", "read m/web", "read n/tool.tar", "3:web:11", "read z/app2", "4:app:100", "4:app:28",
            ])
    }
}
