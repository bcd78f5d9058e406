import Foundation
import ImageModel

/// A blob with its content, for building layouts by hand.
public struct FixtureBlob: Sendable {
    public var data: Data
    public var mediaType: String
    public var digest: String { ContentDigest.compute(data, algorithm: "sha256")?.string ?? "" }
    public var size: Int64 { Int64(data.count) }
    public var hex: String { String(digest.dropFirst("sha256:".count)) }

    public init(data: Data, mediaType: String) {
        self.data = data
        self.mediaType = mediaType
    }

    /// A layer with unique pseudo-random content.
    public static func layer(_ seed: String, mediaType: String = "application/vnd.oci.image.layer.v1.tar+gzip")
        -> FixtureBlob
    {
        FixtureBlob(data: Data("layer-\(seed)-\(UUID().uuidString)".utf8), mediaType: mediaType)
    }

    public var descriptor: [String: Any] { ["mediaType": mediaType, "digest": digest, "size": size] }

    /// A layer that really is gzip (a one-file tar), so tools that inspect layers (skopeo) push it unchanged.
    public static func gzipLayer(_ seed: String) throws -> FixtureBlob {
        let directory = try TemporaryDirectory(prefix: "vl-gzip")
        try Data("layer-\(seed)-\(UUID().uuidString)\n".utf8).write(to: URL(fileURLWithPath: directory.path + "/file"))
        let result = try Shell.run([
            "sh", "-c", "tar -C \"$1\" -cf - file | gzip -n > \"$1/layer.tgz\"", "sh", directory.path,
        ])
        guard result.status == 0 else { throw ShellError("gzip layer: \(result.stderr)") }
        return FixtureBlob(
            data: try Data(contentsOf: URL(fileURLWithPath: directory.path + "/layer.tgz")),
            mediaType: "application/vnd.oci.image.layer.v1.tar+gzip")
    }
}

/// One image in a hand-built layout.
public struct FixtureImage {
    public var config: FixtureBlob
    public var layers: [FixtureBlob]
    public var manifest: FixtureBlob
    public var platform: [String: String]?

    public init(
        layers: [FixtureBlob], platform: [String: String]? = nil, manifestMediaType: String = MediaType.ociManifest,
        configMediaType: String = MediaType.ociConfig, diffIDs: [String]? = nil
    ) {
        let configJSON: [String: Any] = [
            "architecture": platform?["architecture"] ?? "amd64", "os": platform?["os"] ?? "linux",
            "rootfs": [
                "type": "layers",
                "diff_ids": diffIDs
                    ?? layers.map { "sha256:" + String(repeating: "0", count: 63) + String($0.data.count % 10) },
            ],
            "created": UUID().uuidString,
        ]
        config = FixtureBlob(
            data: (try? JSONSerialization.data(withJSONObject: configJSON, options: [.sortedKeys])) ?? Data(),
            mediaType: configMediaType)
        self.layers = layers
        self.platform = platform
        let manifestJSON: [String: Any] = [
            "schemaVersion": 2, "mediaType": manifestMediaType, "config": config.descriptor,
            "layers": layers.map(\.descriptor),
        ]
        manifest = FixtureBlob(
            data: (try? JSONSerialization.data(withJSONObject: manifestJSON, options: [.sortedKeys, .prettyPrinted]))
                ?? Data(),
            mediaType: manifestMediaType)
    }
}

/// Writes OCI image layouts as the tools do, so tests control every byte.
public enum LayoutBuilder {
    /// Files of a layout holding `images` under one index entry each (or one multi-platform index when `multiPlatform`).
    public static func files(
        at dir: String, images: [FixtureImage], name: String?, multiPlatform: Bool = false,
        includeBlobs: Bool = true
    ) -> [String: Data] {
        var files: [String: Data] = [:]
        func put(_ blob: FixtureBlob) { files["\(dir)/blobs/sha256/\(blob.hex)"] = blob.data }
        files["\(dir)/oci-layout"] = Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)
        var annotations: [String: String] = [:]
        if let name { annotations["io.containerd.image.name"] = name }
        var entries: [[String: Any]] = []
        for image in images {
            if includeBlobs {
                put(image.config)
                image.layers.forEach(put)
            }
            put(image.manifest)
        }
        if multiPlatform {
            let index: [String: Any] = [
                "schemaVersion": 2, "mediaType": MediaType.ociIndex,
                "manifests": images.map { image -> [String: Any] in
                    var descriptor = image.manifest.descriptor
                    if let platform = image.platform { descriptor["platform"] = platform }
                    return descriptor
                },
            ]
            let blob = FixtureBlob(
                data: (try? JSONSerialization.data(withJSONObject: index, options: [.sortedKeys, .prettyPrinted]))
                    ?? Data(),
                mediaType: MediaType.ociIndex)
            put(blob)
            var descriptor = blob.descriptor
            if !annotations.isEmpty { descriptor["annotations"] = annotations }
            entries.append(descriptor)
        } else {
            for image in images {
                var descriptor = image.manifest.descriptor
                if !annotations.isEmpty { descriptor["annotations"] = annotations }
                entries.append(descriptor)
            }
        }
        let top: [String: Any] = ["schemaVersion": 2, "mediaType": MediaType.ociIndex, "manifests": entries]
        files["\(dir)/index.json"] =
            (try? JSONSerialization.data(withJSONObject: top, options: [.sortedKeys, .prettyPrinted])) ?? Data()
        return files
    }
}
