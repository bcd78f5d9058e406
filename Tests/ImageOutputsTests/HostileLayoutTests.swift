import Foundation
import ImageModel
import TestSupport
import Testing

@testable import ImageOutputs

/// Each hostile case must end as findings, touching no path built from an unvalidated digest, and never hang: the CPU
/// bound is a hang guard (an exponential walk takes minutes), not a speed target, which lives in `make bench`.
private func hostile(_ layout: MemoryLayout, function: String = #function, _ check: (ScanResult, [String]) -> Void) {
    let spy = SpySource(layout.source())
    var result = ScanResult()
    let elapsed = timed { result = LayoutReader(source: spy, resolver: appResolver).read(layout.output) }
    #expect(elapsed < .seconds(5), "took \(elapsed)")
    #expect(!spy.paths.contains { $0.contains("..") || $0.contains("//") })
    check(result, spy.paths)
}

@Test func manifestOver4MiBIsRefused() throws {
    let layout = MemoryLayout()
    var big = Data(
        #"{"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:0","size":1},"layers":[],"pad":""#.utf8)
    big.append(Data(repeating: 0x61, count: 4 * 1024 * 1024))
    big.append(Data(#""}"#.utf8))
    let blob = layout.put(Blob(big))
    let lying = Blob(json: ["schemaVersion": 2])
    layout.put(lying)
    layout.top([
        blob.descriptor(MediaType.ociManifest), lying.descriptor(MediaType.ociManifest, ["size": 5 * 1024 * 1024]),
    ])
    hostile(layout) { result, _ in
        #expect(result.images.isEmpty)
        #expect(result.allFindings.count == 2)
        #expect(result.allFindings.allSatisfy { $0.rule == .manifestInvalid && $0.message.contains("4 MiB") })
    }
}

@Test func indexJSONOver4MiBIsRefused() throws {
    let layout = MemoryLayout()
    layout.files["img/index.json"] = Data(repeating: 0x20, count: 4 * 1024 * 1024 + 1)
    hostile(layout) { result, _ in
        #expect(result.allFindings.map(\.rule) == [.manifestInvalid])
        #expect(result.allFindings.first?.path == "img/index.json")
    }
}

@Test func nestingDeeperThanEightIsRefused() throws {
    let layout = MemoryLayout()
    var next = layout.manifest(config: layout.config(), layers: [layout.layer("deep")]).descriptor(
        MediaType.ociManifest)
    for _ in 0..<12 { next = layout.index([next]).descriptor(MediaType.ociIndex) }
    layout.top([next])
    hostile(layout) { result, _ in
        #expect(result.images.isEmpty)
        #expect(result.allFindings.map(\.rule) == [.manifestInvalid])
        #expect(result.allFindings.first?.message.contains("nesting deeper than 8") == true)
    }
}

/// The boundary, read as SPEC §3 says it: eight levels of index (`index.json` and seven nested indexes) are nesting 8 deep,
/// and their image is read; a ninth level is deeper than 8, refused at the entry naming it. A manifest is no level of
/// nesting, so one mislabelled as an index-typed entry's child cannot extend the chain past nine documents.
@Test func eightLevelsOfIndexAreReadAndANinthIsRefused() throws {
    func layout(nestedIndexes: Int) -> MemoryLayout {
        let layout = MemoryLayout()
        var next = layout.manifest(config: layout.config(), layers: [layout.layer("deep")]).descriptor(
            MediaType.ociManifest)
        for _ in 0..<nestedIndexes { next = layout.index([next]).descriptor(MediaType.ociIndex) }
        layout.top([next])
        return layout
    }
    let eight = readLayout(layout(nestedIndexes: 7))
    #expect(eight.allFindings.isEmpty, "\(eight.allFindings)")
    #expect(eight.images.count == 1)
    let nine = readLayout(layout(nestedIndexes: 8))
    #expect(nine.images.isEmpty)
    #expect(nine.allFindings.map(\.rule) == [.manifestInvalid])
    #expect(nine.allFindings.first?.message.contains("nesting deeper than 8") == true)
}

@Test func blobPointingBackAtItselfEndsTheWalk() throws {
    // A blob whose content does not match its name can name itself: index.json → X, and X's content lists X again.
    let layout = MemoryLayout()
    let name = "sha256:" + String(repeating: "c", count: 64)
    let selfReferencing = Blob(json: [
        "schemaVersion": 2, "mediaType": MediaType.ociIndex,
        "manifests": [["mediaType": MediaType.ociIndex, "digest": name, "size": 300]],
    ])
    layout.files["img/blobs/sha256/" + String(repeating: "c", count: 64)] = selfReferencing.data
    layout.top([["mediaType": MediaType.ociIndex, "digest": name, "size": selfReferencing.size]])
    hostile(layout) { result, paths in
        #expect(result.allFindings.map(\.rule) == [.digestMismatch])
        #expect(
            paths.filter { $0.hasSuffix(String(repeating: "c", count: 64)) }.count == 1, "read once, never followed")
    }
}

@Test func malformedAndTruncatedJSONAreFindingsAtTheRightFile() throws {
    let layout = MemoryLayout()
    let truncated = layout.put(
        Blob(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"#))
    let garbage = layout.put(Blob(Data([0xff, 0xfe, 0x00, 0x7b])))
    layout.top([truncated.descriptor(MediaType.ociManifest), garbage.descriptor(MediaType.ociManifest)])
    hostile(layout) { result, _ in
        #expect(result.allFindings.map(\.rule) == [.manifestInvalid, .manifestInvalid])
        #expect(result.allFindings.map(\.path) == [layout.path(of: truncated), layout.path(of: garbage)])
        #expect(result.allFindings.allSatisfy { $0.message.contains("malformed JSON") })
    }
    let broken = MemoryLayout()
    broken.files["img/index.json"] = Data(#"{"manifests":[{"digest":"sha256:1","size":1}"#.utf8)
    hostile(broken) { result, _ in
        #expect(result.allFindings.map(\.path) == ["img/index.json"])
    }
}

@Test func wrongTypesAreFindings() throws {
    let layout = MemoryLayout()
    let digest = layout.layer("x").digest
    let stringSize = layout.put(
        Blob(json: [
            "schemaVersion": 2, "mediaType": MediaType.ociManifest,
            "config": ["mediaType": MediaType.ociConfig, "digest": digest, "size": "2"], "layers": [],
        ]))
    let objectLayers = layout.put(
        Blob(json: [
            "schemaVersion": 2, "mediaType": MediaType.ociManifest,
            "config": ["mediaType": MediaType.ociConfig, "digest": digest, "size": 2], "layers": ["a": 1],
        ]))
    let annotations = layout.put(
        Blob(json: ["schemaVersion": 2, "mediaType": MediaType.ociIndex, "manifests": [], "annotations": ["a": 1]]))
    layout.top([
        stringSize.descriptor(MediaType.ociManifest), objectLayers.descriptor(MediaType.ociManifest),
        annotations.descriptor(MediaType.ociIndex),
    ])
    hostile(layout) { result, _ in
        #expect(result.allFindings.map(\.rule) == [.manifestInvalid, .manifestInvalid, .manifestInvalid])
        #expect(result.allFindings[0].message.contains("config.size"))
        #expect(result.allFindings[1].message.contains("layers"))
        #expect(result.allFindings[2].message.contains("annotations"))
    }
    let wrongTop = MemoryLayout()
    wrongTop.files["img/index.json"] = Data(#"{"manifests":"all of them"}"#.utf8)
    hostile(wrongTop) { result, _ in #expect(result.allFindings.map(\.rule) == [.manifestInvalid]) }
}

@Test func digestsOutsideTheGrammarNeverBecomePaths() throws {
    let layout = MemoryLayout()
    let traversal = [
        "sha256:../../etc/passwd", "sha256:../../../../../../etc/shadow", "sha512:/etc/passwd", "md5:abc",
        "sha256:" + String(repeating: "A", count: 64),
    ]
    let manifest = layout.put(
        Blob(json: [
            "schemaVersion": 2, "mediaType": MediaType.ociManifest,
            "config": ["mediaType": MediaType.ociConfig, "digest": traversal[0], "size": 1],
            "layers": traversal.map { ["mediaType": layerType, "digest": $0, "size": 1] },
        ]))
    layout.top(
        traversal.map { ["mediaType": MediaType.ociManifest, "digest": $0, "size": 1] } + [
            manifest.descriptor(MediaType.ociManifest)
        ])
    hostile(layout) { result, paths in
        #expect(!paths.contains { $0.contains("etc") || $0.contains("AAAA") })
        let indexFindings = result.findings.filter { $0.path == "img/index.json" }
        #expect(indexFindings.count == traversal.count)
        #expect(indexFindings.allSatisfy { $0.rule == .manifestInvalid && $0.message.contains("outside the grammar") })
        let blobFindings = result.images.flatMap(\.findings)
        #expect(blobFindings.count == traversal.count + 1)
        #expect(blobFindings.allSatisfy { $0.rule == .layerInvalid })
        #expect(result.images.first?.blobs.isEmpty == true, "nothing invalid is asked about")
    }
}

@Test func negativeAndAbsurdSizesAreFindings() throws {
    let layout = MemoryLayout()
    let a = layout.layer("a")
    let b = layout.layer("b")
    let manifest = layout.put(
        Blob(json: [
            "schemaVersion": 2, "mediaType": MediaType.ociManifest,
            "config": a.descriptor(MediaType.ociConfig, ["size": -1]),
            "layers": [
                b.descriptor(layerType, ["size": Int64.max]), a.descriptor(layerType, ["size": Int64(1) << 50]),
            ],
        ]))
    layout.top([manifest.descriptor(MediaType.ociManifest), b.descriptor(MediaType.ociManifest, ["size": -5])])
    hostile(layout) { result, _ in
        #expect(
            result.allFindings.map(\.rule) == [.manifestInvalid, .manifestInvalid, .manifestInvalid, .manifestInvalid])
        #expect(result.findings.first?.message.contains("negative size -5") == true)
        #expect(result.images.first?.findings.map(\.message).filter { $0.contains("absurd") }.count == 2)
        #expect(result.images.first?.blobs.isEmpty == true)
    }
}

@Test func tensOfThousandsOfLayersInOneManifest() throws {
    let layout = MemoryLayout()
    let config = layout.config()
    // One descriptor per line, compact, so 20 000 of them stay under the 4 MiB limit.
    let digests = (0..<20_000).map { "sha256:" + String(format: "%064x", $0) }
    var text =
        "{\"schemaVersion\":2,\"mediaType\":\"\(MediaType.ociManifest)\",\n\"config\":{\"mediaType\":\"\(MediaType.ociConfig)\",\"digest\":\"\(config.digest)\",\"size\":\(config.size)},\n\"layers\":[\n"
    text += digests.enumerated().map { "{\"mediaType\":\"\(layerType)\",\"digest\":\"\($1)\",\"size\":\($0)}" }.joined(
        separator: ",\n")
    text += "\n]}\n"
    let manifest = layout.put(Blob(text))
    #expect(manifest.size < DocumentParser.maxDocumentSize)
    layout.top([manifest.descriptor(MediaType.ociManifest)])
    hostile(layout) { result, _ in
        #expect(result.images.first?.blobs.count == 20_001)
        #expect(result.images.first?.blobs.last?.line == 20_003)
        #expect(result.allFindings.isEmpty)
    }
}

@Test func tensOfThousandsOfIndexEntries() throws {
    let layout = MemoryLayout()
    let manifest = layout.manifest(config: layout.config(), layers: [layout.layer("one")])
    var entries = (0..<20_000).map {
        ["mediaType": MediaType.ociManifest, "digest": "sha256:" + String(format: "%064x", $0), "size": 10]
            as [String: Any]
    }
    entries.append(manifest.descriptor(MediaType.ociManifest))
    layout.top(entries)
    hostile(layout) { result, _ in
        #expect(result.images.count == 1)
        #expect(result.findings.count == 20_000)
        #expect(result.findings.allSatisfy { $0.rule == .blobMissing })
    }
}

@Test func exponentialFanOutIsWalkedOncePerDocument() throws {
    // Six levels of indexes below index.json, each naming the next 64 times under 64 names: 64^6 paths, a few hundred documents.
    let layout = MemoryLayout()
    var next = layout.manifest(config: layout.config(), layers: [layout.layer("leaf")])
    var type = MediaType.ociManifest
    for level in 0..<6 {
        let entries = (0..<64).map {
            next.descriptor(
                type, ["annotations": ["io.containerd.image.name": "public.ecr.aws/demo/app:l\(level)-\($0)"]])
        }
        next = layout.index(entries)
        type = MediaType.ociIndex
    }
    layout.top([next.descriptor(MediaType.ociIndex)])
    hostile(layout) { result, _ in
        #expect(result.images.count == 64)
        #expect(result.allFindings.isEmpty)
    }
}

@Test func tooManyDocumentsStopTheWalkWithOneFinding() throws {
    let layout = MemoryLayout()
    let manifest = layout.manifest(config: layout.config(), layers: [layout.layer("x")])
    let entries = (0..<(LayoutReader.maxDocuments + 50)).map {
        manifest.descriptor(
            MediaType.ociManifest, ["annotations": ["io.containerd.image.name": "public.ecr.aws/demo/app:\($0)"]])
    }
    layout.top(entries)
    hostile(layout) { result, _ in
        #expect(result.images.count == LayoutReader.maxDocuments)
        #expect(result.findings.map(\.rule) == [.manifestInvalid])
        #expect(result.findings.first?.message.contains("more than \(LayoutReader.maxDocuments)") == true)
    }
}

@Test func deeplyNestedJSONInIndexIsAFinding() throws {
    let layout = MemoryLayout()
    layout.files["img/index.json"] = Data(
        (String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)).utf8)
    hostile(layout) { result, _ in #expect(result.allFindings.map(\.rule) == [.manifestInvalid]) }
}

@Test func indexJSONThatIsAManifestOrMissingIsAFinding() throws {
    let layout = MemoryLayout()
    layout.files["img/index.json"] = layout.manifest(config: layout.config(), layers: [], store: false).data
    hostile(layout) { result, _ in #expect(result.allFindings.first?.message.contains("must be an image index") == true)
    }
    let empty = MemoryLayout()
    hostile(empty) { result, _ in #expect(result.allFindings.first?.message.contains("missing") == true) }
}
