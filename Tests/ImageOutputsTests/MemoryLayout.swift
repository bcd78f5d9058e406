import Foundation
import ImageModel

@testable import ImageOutputs

/// Content with its digest, for building layouts byte by byte in memory.
struct Blob {
    let data: Data
    var digest: String { ContentDigest.compute(data, algorithm: "sha256")?.string ?? "" }
    var hex: String { String(digest.dropFirst(7)) }
    var size: Int { data.count }

    init(_ data: Data) { self.data = data }
    init(_ text: String) { self.data = Data(text.utf8) }
    init(json: Any, pretty: Bool = true) {
        let options: JSONSerialization.WritingOptions =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        self.data = (try? JSONSerialization.data(withJSONObject: json, options: options)) ?? Data()
    }

    func descriptor(_ mediaType: String, _ extra: [String: Any] = [:]) -> [String: Any] {
        var result: [String: Any] = ["mediaType": mediaType, "digest": digest, "size": size]
        for (key, value) in extra { result[key] = value }
        return result
    }

    /// The 1-based line of `needle` in this blob's text.
    func line(of needle: String) -> Int {
        let text = String(decoding: data, as: UTF8.self)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.contains(needle) { return index + 1 }
        return 0
    }
}

let layerType = "application/vnd.oci.image.layer.v1.tar+gzip"

/// An OCI layout (or skopeo dir) held in memory.
final class MemoryLayout {
    let dir: String
    let skopeo: Bool
    var files: [String: Data] = [:]
    var symlinks: [String: String] = [:]
    var lfsObjects: [String: Data] = [:]

    init(_ dir: String = "img", skopeo: Bool = false) {
        self.dir = dir
        self.skopeo = skopeo
        if skopeo {
            files["\(dir)/version"] = Data("Directory Transport Version: 1.1\n".utf8)
        } else {
            files["\(dir)/oci-layout"] = Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)
        }
    }

    var output: ImageOutput { ImageOutput(kind: skopeo ? .skopeoDir : .ociLayout, path: dir) }

    func path(of blob: Blob, manifest: Bool = false) -> String {
        if skopeo { return manifest ? "\(dir)/\(blob.hex).manifest.json" : "\(dir)/\(blob.hex)" }
        return "\(dir)/blobs/sha256/\(blob.hex)"
    }

    @discardableResult
    func put(_ blob: Blob, manifest: Bool = false) -> Blob {
        files[path(of: blob, manifest: manifest)] = blob.data
        return blob
    }

    func layer(_ seed: String, mediaType: String = layerType, store: Bool = true) -> Blob {
        let blob = Blob("layer \(seed)")
        if store { put(blob) }
        return blob
    }

    func config(
        os: String = "linux", architecture: String = "amd64", variant: String? = nil, diffIDs: [String] = [],
        mediaType: String = MediaType.ociConfig
    ) -> Blob {
        var json: [String: Any] = [
            "os": os, "architecture": architecture, "rootfs": ["type": "layers", "diff_ids": diffIDs],
        ]
        if let variant { json["variant"] = variant }
        return put(Blob(json: json))
    }

    func manifest(
        config: Blob, layers: [Blob], mediaType: String = MediaType.ociManifest,
        configType: String = MediaType.ociConfig,
        layerType: String = layerType, extra: [String: Any] = [:], store: Bool = true
    ) -> Blob {
        var json: [String: Any] = [
            "schemaVersion": 2, "mediaType": mediaType, "config": config.descriptor(configType),
            "layers": layers.map { $0.descriptor(layerType) },
        ]
        for (key, value) in extra { json[key] = value }
        let blob = Blob(json: json)
        if store { put(blob, manifest: true) }
        return blob
    }

    func index(
        _ entries: [[String: Any]], mediaType: String = MediaType.ociIndex, annotations: [String: String]? = nil,
        store: Bool = true
    ) -> Blob {
        var json: [String: Any] = ["schemaVersion": 2, "mediaType": mediaType, "manifests": entries]
        if let annotations { json["annotations"] = annotations }
        let blob = Blob(json: json)
        if store { put(blob, manifest: true) }
        return blob
    }

    /// buildx's attestation for the manifest `subject`: an in-toto statement layer that its config names by its own
    /// digest as a diff_id, and the index entry naming it (platform unknown/unknown, `attestation-manifest`).
    func attestationEntry(for subject: Blob) -> (entry: [String: Any], statement: Blob) {
        let statement = layer("in-toto statement", mediaType: MediaType.inToto)
        let attestation = manifest(
            config: config(os: "unknown", architecture: "unknown", diffIDs: [statement.digest]),
            layers: [statement], layerType: MediaType.inToto)
        let entry = attestation.descriptor(
            MediaType.ociManifest,
            [
                "platform": ["os": "unknown", "architecture": "unknown"],
                "annotations": [
                    "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": subject.digest,
                ],
            ])
        return (entry, statement)
    }

    /// Writes the top document: `index.json` (layouts) or `manifest.json` (skopeo).
    @discardableResult
    func top(_ entries: [[String: Any]], annotations: [String: String]? = nil) -> Blob {
        let blob = index(entries, annotations: annotations, store: false)
        files["\(dir)/\(skopeo ? "manifest.json" : "index.json")"] = blob.data
        return blob
    }

    func source() -> MemoryFileSource {
        MemoryFileSource(files: files, symlinks: symlinks, lfsObjects: lfsObjects)
    }
}

/// Records every path the reader asks for, to prove nothing outside the layout (or built from a bad digest) is touched.
final class SpySource: FileSource {
    let inner: MemoryFileSource
    var paths: [String] = []
    init(_ inner: MemoryFileSource) { self.inner = inner }
    var commit: String { inner.commit }
    func read(_ path: String, limit: Int64) -> FileLookup { paths.append(path); return inner.read(path, limit: limit) }
    func exists(_ path: String) -> Bool { paths.append(path); return inner.exists(path) }
    func read(_ path: String, limit: Int64, within root: String) -> FileLookup {
        paths.append(path)
        return inner.read(path, limit: limit, within: root)
    }
    func probe(_ path: String, algorithm: String, within root: String) -> BlobProbe {
        paths.append(path)
        return inner.probe(path, algorithm: algorithm, within: root)
    }
}

let appResolver = RepositoryResolver(forcedRepository: "app", forcedRegistry: "demo")

func readLayout(_ layout: MemoryLayout, resolver: RepositoryResolver = appResolver) -> ScanResult {
    LayoutReader(source: layout.source(), resolver: resolver).read(layout.output)
}

extension ScanResult {
    /// Every finding, output-level and per image.
    var allFindings: [Finding] { findings + images.flatMap(\.findings) }
    func rules() -> [String] { allFindings.map(\.rule.rawValue).sorted() }
}
