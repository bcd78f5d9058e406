import Foundation
import ImageModel
import Reports

/// Hand-built run reports with every value fixed (durations included), so golden files are byte-stable.
enum Fixtures {
    static let commit = "0123456789abcdef0123456789abcdef01234567"
    static func hex(_ seed: Character) -> String { String(repeating: String(seed), count: 64) }
    static func digest(_ seed: Character) -> String { "sha256:" + hex(seed) }
    static func blobDigest(_ seed: Character) -> Digest {
        Digest(sha256Hex: hex(seed)) ?? Digest(sha256Bytes: [UInt8](repeating: 0, count: 32))!
    }

    /// Three images (one failing, one with a skipped foreign layer, one unmapped) and a broken layout of no image.
    static var mixed: RunReport {
        let app = "public.ecr.aws/demo/app:1.0"
        let repository = "public.ecr.aws/demo/app"
        let amd64 = ImageResult(
            name: app, path: "build/oci/app", manifestPath: "build/oci/app/blobs/sha256/" + hex("1"),
            manifestDigest: digest("1"),
            platform: "linux/amd64", repository: repository, commit: commit,
            blobs: [
                BlobResult(
                    digest: blobDigest("a"), size: 1469, mediaType: MediaType.ociConfig, role: .config,
                    status: .available),
                BlobResult(
                    digest: blobDigest("b"), size: 3_208_942, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
                    role: .layer, status: .available, cached: true),
                BlobResult(
                    digest: blobDigest("c"), size: 1024, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
                    role: .layer, status: .unavailable),
            ], errors: 1, warnings: 0, notices: 0)
        let arm64 = ImageResult(
            name: app, path: "build/oci/app", manifestPath: "build/oci/app/blobs/sha256/" + hex("2"),
            manifestDigest: digest("2"),
            platform: "linux/arm64/v8", repository: repository, commit: commit,
            blobs: [
                BlobResult(
                    digest: blobDigest("d"), size: 1470, mediaType: MediaType.ociConfig, role: .config,
                    status: .available),
                BlobResult(
                    digest: blobDigest("b"), size: 3_208_942, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
                    role: .layer, status: .available),
                BlobResult(
                    digest: blobDigest("e"), size: 77,
                    mediaType: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", role: .layer,
                    status: .skipped),
            ], errors: 0, warnings: 0, notices: 1)
        let tool = ImageResult(
            name: nil, path: "images/tool", manifestPath: "images/tool/manifest.json", manifestDigest: nil,
            platform: nil, repository: nil, commit: commit,
            blobs: [
                BlobResult(
                    digest: blobDigest("f"), size: 12, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
                    role: .layer, status: .unverified)
            ],
            errors: 0, warnings: 1, notices: 0)
        let ok = ImageResult(
            name: "public.ecr.aws/demo/web:2", path: "build/web.json", manifestPath: "build/web.json",
            manifestDigest: digest("3"),
            platform: nil, repository: "public.ecr.aws/demo/web", commit: commit,
            blobs: [
                BlobResult(
                    digest: blobDigest("9"), size: 5, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
                    role: .layer, status: .available)
            ],
            errors: 0, warnings: 0, notices: 0)
        let findings = [
            Finding(
                rule: .manifestInvalid, message: "index.json is not valid JSON: unexpected end of input at line 3",
                path: "build/oci/broken/index.json",
                line: 3, commit: commit),
            Finding(
                rule: .layerUnavailable, message: "layer \(digest("c")) is not available in \(repository)",
                path: "build/oci/app/blobs/sha256/" + hex("1"), line: 12, commit: commit, image: app,
                platform: "linux/amd64",
                digest: digest("c"), repository: repository),
            Finding(
                rule: .layerSkipped, message: "foreign layer \(digest("e")) is not checked",
                path: "build/oci/app/blobs/sha256/" + hex("2"), line: 17, commit: commit, image: app,
                platform: "linux/arm64/v8",
                digest: digest("e"), repository: repository),
            Finding(
                rule: .imageUnmapped, message: "no repository is known for images/tool",
                path: "images/tool/manifest.json", line: 1, commit: commit),
        ]
        var summary = Summary()
        summary.images = 4
        summary.layers = 7
        summary.available = 5
        summary.unavailable = 1
        summary.unverified = 1
        summary.skipped = 1
        summary.errors = 2
        summary.warnings = 1
        summary.notices = 1
        summary.requests = 2
        summary.durationSeconds = 0.214
        summary.exitCode = 1
        return RunReport(findings: findings, images: [amd64, arm64, tool, ok], summary: summary)
    }

    /// Every image available.
    static var clean: RunReport {
        var report = mixed
        report.findings = []
        report.images = [report.images[3]]
        var summary = Summary()
        summary.images = 1
        summary.layers = 1
        summary.available = 1
        summary.requests = 1
        summary.durationSeconds = 0.05
        report.summary = summary
        return report
    }

    /// One image with `count` findings of each given severity.
    static func many(errors: Int, warnings: Int, notices: Int) -> RunReport {
        var findings: [Finding] = []
        for (severity, count) in [(Severity.error, errors), (.warning, warnings), (.notice, notices)] {
            for index in 0..<count {
                let rule: Rule =
                    severity == .error ? .layerUnavailable : severity == .warning ? .mediaTypeMismatch : .layerSkipped
                findings.append(
                    Finding(
                        rule: rule, message: "\(severity.rawValue) number \(index)", path: "build/oci/app/index.json",
                        line: index + 1, commit: commit, image: "public.ecr.aws/demo/app:1",
                        digest: "sha256:" + String(format: "%064d", index)))
            }
        }
        var summary = Summary()
        summary.images = 1
        summary.errors = errors
        summary.warnings = warnings
        summary.notices = notices
        summary.exitCode = errors > 0 ? 1 : 0
        return RunReport(findings: findings, images: [], summary: summary)
    }
}
