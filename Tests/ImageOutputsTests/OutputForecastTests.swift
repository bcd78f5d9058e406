import Foundation
import GitAccess
import ImageModel
import TestSupport
import Testing

@testable import Checking
@testable import ImageOutputs

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

/// A layout whose one image sits `depth` indexes below `index.json`, as buildx nests a multi-platform image: names
/// (`public.ecr.aws/demo/<repository>:1`) on the top entry, on the innermost index itself and on the manifest's entry;
/// `dropInner` leaves the nested indexes' blobs out of the layout.
func nestedLayout(
    at dir: String, top: String? = nil, inner: String? = nil, entry: String? = nil, depth: Int = 1,
    dropInner: Bool = false
) -> [String: Data] {
    func named(_ repository: String?) -> [String: String]? {
        repository.map { ["io.containerd.image.name": "public.ecr.aws/demo/\($0):1"] }
    }
    func json(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }
    let image = FixtureImage(layers: [FixtureBlob.layer("\(dir)-0")])
    var files: [String: Data] = ["\(dir)/oci-layout": Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)]
    for blob in [image.config, image.manifest] + image.layers { files["\(dir)/blobs/sha256/\(blob.hex)"] = blob.data }
    var descriptor = image.manifest.descriptor
    descriptor["annotations"] = named(entry)
    for level in 0..<depth {
        var index: [String: Any] = ["schemaVersion": 2, "mediaType": MediaType.ociIndex, "manifests": [descriptor]]
        if level == 0 { index["annotations"] = named(inner) }
        let blob = FixtureBlob(data: json(index), mediaType: MediaType.ociIndex)
        if !dropInner { files["\(dir)/blobs/sha256/\(blob.hex)"] = blob.data }
        descriptor = blob.descriptor
    }
    descriptor["annotations"] = named(top)
    files["\(dir)/index.json"] = json(["schemaVersion": 2, "mediaType": MediaType.ociIndex, "manifests": [descriptor]])
    return files
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
        var finalRun = false
        _ = try ImageScanner(repository: repository, resolver: resolver).scan(
            commit: try repository.resolveCommit("HEAD"),
            forecast: { next, more in
                #expect(!finalRun, "nothing is forecast after the run that said no more would come")
                forecasts += next
                finalRun = !more
            },
            forecastNow: { true },
            onOutput: { part in
                #expect(forecasts.count > parts.count, "each output is forecast before it is read")
                parts.append(part)
            })
        #expect(forecasts.count == parts.count, "one forecast per output read")
        #expect(finalRun || parts.isEmpty, "the last run of forecasts says so")
        return zip(forecasts, parts).map { forecast, part in
            (part.candidates.first?.path ?? "", forecast, Set(part.images.compactMap(\.repository)))
        }
    }

    /// One forecast made: after how many outputs were read, for how many, and whether more were to come.
    typealias Made = (after: Int, paths: Int, more: Bool)

    /// The outputs read, in order, and each forecast made: how many outputs had been read then and what it covered.
    static func schedule(_ fixture: GitFixture, readyAfter: Int?) throws -> (reads: [String], forecasts: [Made]) {
        let repository = try GitRepository(discovering: fixture.path)
        var reads: [String] = []
        var forecasts: [Made] = []
        _ = try ImageScanner(repository: repository, resolver: RepositoryResolver()).scan(
            commit: try repository.resolveCommit("HEAD"),
            forecast: { next, more in forecasts.append((reads.count, next.count, more)) },
            forecastNow: { readyAfter.map { reads.count >= $0 } ?? false },
            onOutput: { part in reads.append(part.candidates.first?.path ?? "") })
        return (reads, forecasts)
    }

    /// The first outputs are read before the rest are forecast, so their calls are out while forecasting reads every
    /// other `index.json`: once, for every output not read yet, as soon as the caller says the calls have enough to do,
    /// or after `readsBeforeForecasting` outputs. A scan of fewer outputs that is never told makes no forecast.
    @Test func theRestAreForecastOnceTheFirstOutputsAreRead() throws {
        let limit = ImageScanner.readsBeforeForecasting
        let fixture = try GitFixture()
        var files: [String: Data] = [:]
        for number in 0..<(limit + 3) {
            files.merge(nestedLayout(at: String(format: "out/%03d", number), top: "app\(number % 5)")) { $1 }
        }
        try fixture.write(files)
        try fixture.commitAll()

        let untold = try Self.schedule(fixture, readyAfter: nil)
        #expect(untold.reads.count == limit + 3)
        #expect(untold.forecasts.count == 1)
        #expect(untold.forecasts.first?.after == limit, "forecast once \(limit) outputs were read")
        #expect(untold.forecasts.first?.paths == 3 && untold.forecasts.first?.more == false)

        let told = try Self.schedule(fixture, readyAfter: 5)
        #expect(told.reads == untold.reads, "the same outputs, in the same order")
        #expect(told.forecasts.count == 1)
        #expect(told.forecasts.first?.after == 5 && told.forecasts.first?.paths == limit - 2)
        #expect(told.forecasts.first?.more == false)

        let small = try GitFixture()
        try small.write(nestedLayout(at: "one", top: "app").merging(nestedLayout(at: "two", top: "web")) { $1 })
        try small.commitAll()
        let few = try Self.schedule(small, readyAfter: nil)
        #expect(few.reads == ["one", "two"] && few.forecasts.isEmpty)
    }

    /// A multi-platform image as buildx writes it (a named entry over a nested index) is foreseen by reading that index.
    @Test func aNestedIndexIsReadToForeseeItsImages() throws {
        let fixture = try GitFixture()
        var files = nestedLayout(at: "a/buildx", top: "web")
        files.merge(nestedLayout(at: "b/renamed", top: "web", inner: "api")) { $1 }
        files.merge(nestedLayout(at: "c/entries", entry: "app")) { $1 }
        files.merge(nestedLayout(at: "d/deep", top: "web", depth: 2)) { $1 }
        files.merge(nestedLayout(at: "e/missing", top: "web", dropInner: true)) { $1 }
        files.merge(nestedLayout(at: "f/unnamed")) { $1 }
        try fixture.write(files)
        try fixture.commitAll()
        let outputs = try Self.forecasts(fixture)
        let byPath = Dictionary(uniqueKeysWithValues: outputs.map { ($0.path, $0.forecast) })
        #expect(byPath["a/buildx"] == .repositories([Self.repository("web")]), "named on the entry above")
        #expect(byPath["b/renamed"] == .repositories([Self.repository("api")]), "the nested index's own name wins")
        #expect(byPath["c/entries"] == .repositories([Self.repository("app")]), "named on the manifest's entry")
        #expect(byPath["d/deep"] == .unknown, "an index nested deeper may name its images itself")
        #expect(byPath["e/missing"] == .repositories([]), "a nested index not in the layout yields no image")
        #expect(byPath["f/unnamed"] == .unknown, "no name above the manifest: it may carry one itself")
        for output in outputs {
            if case .repositories(let foreseen) = output.forecast {
                #expect(output.read.isSubset(of: foreseen), "\(output.path): read \(output.read), foreseen \(foreseen)")
            }
        }
        #expect(Set(outputs.map(\.path)) == ["a/buildx", "b/renamed", "c/entries", "d/deep", "e/missing", "f/unnamed"])
    }

    /// Forecasts are made a few dozen at a time with libgit2's caches let go in between (a packed layout's
    /// `index.json` is a delta against its manifest): past that group size every output is still forecast from its own
    /// index, in reading order.
    @Test func forecastsAcrossCacheReleasesStayRight() throws {
        let fixture = try GitFixture()
        let count = ImageScanner.forecastsBetweenReleases * 2 + 5
        var files: [String: Data] = [:]
        for n in 0..<count { files.merge(forecastLayout(at: "o/\(1000 + n)", "r\(n % 7)", layers: 1)) { $1 } }
        try fixture.write(files)
        try fixture.commitAll()
        _ = try fixture.git(["gc", "-q"])
        let outputs = try Self.forecasts(fixture)
        #expect(outputs.map(\.path) == (0..<count).map { "o/\(1000 + $0)" })
        for (n, output) in outputs.enumerated() {
            #expect(output.forecast == .repositories([Self.repository("r\(n % 7)")]))
            #expect(output.read == [Self.repository("r\(n % 7)")])
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
        #expect(byPath["b/multi"] == .repositories([Self.repository("web")]), "named above a nested index (buildx)")
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
    /// The scan's log: each output read, each batch that left after it ("outputs read:repository:digests"); the rest
    /// are forecast once `readyAfter` outputs were read.
    static func releases(_ fixture: GitFixture, readyAfter: Int = 1) throws -> [String] {
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
            commit: try repository.resolveCommit("HEAD"), forecast: sink.expect, forecastNow: { read >= readyAfter },
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
        files.merge(forecastLayout(at: "b/api", "api", layers: 5)) { $1 }
        files.merge(forecastLayout(at: "m/web", "web", layers: 10)) { $1 }
        files.merge(forecastLayout(at: "z/app2", "app", layers: 60)) { $1 }
        try fixture.write(files)
        try fixture.commitAll()
        // Every other output is forecast once the first is read: api's batch leaves right after its own output, as web's
        // does, and app's after its last.
        #expect(
            try Self.releases(fixture) == [
                "read a/app1", "read b/api", "2:api:6", "read m/web", "3:web:11", "read z/app2", "4:app:100",
                "4:app:22",
            ])
    }

    /// A repository whose outputs were all read before the forecast was made is settled by it: its last batch leaves
    /// then, not when reading ends.
    @Test func aRepositoryReadBeforeTheForecastLeavesWhenItIsMade() throws {
        let fixture = try GitFixture()
        var files = forecastLayout(at: "a/api", "api", layers: 5)
        files.merge(forecastLayout(at: "b/app1", "app", layers: 60)) { $1 }
        files.merge(forecastLayout(at: "z/app2", "app", layers: 60)) { $1 }
        try fixture.write(files)
        try fixture.commitAll()
        #expect(
            try Self.releases(fixture) == [
                "read a/api", "read b/app1", "2:api:6", "read z/app2", "3:app:100", "3:app:22",
            ])
        // Never told, with fewer outputs than `readsBeforeForecasting`: no forecast, every remainder at the end.
        #expect(
            try Self.releases(fixture, readyAfter: .max) == [
                "read a/api", "read b/app1", "read z/app2", "3:app:100", "4:api:6", "4:app:22",
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
