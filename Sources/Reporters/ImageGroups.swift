import ImageModel

/// Findings sorted under the image they belong to, so every per-image format (text, JUnit, step summary) agrees.
///
/// Findings carry the image reference and platform when the reader knew them, and always a repo-relative path. A finding is
/// given to the one image of the same commit whose output contains its path and whose name, platform and blobs agree with
/// it; a finding that fits no single image (a broken index, an entry of a multi-platform index without a manifest) gets a
/// group of its own, labelled by its image reference or path.
public struct ImageGroups: Sendable {
    /// One image and its findings, or (when `image` is nil) findings that fit no single image.
    public struct Group: Sendable {
        public var image: ImageResult?
        public var label: String
        public var path: String
        public var findings: [Finding]

        public var errors: Int { findings.filter { $0.severity == .error }.count }
        public var warnings: Int { findings.filter { $0.severity == .warning }.count }
        public var notices: Int { findings.filter { $0.severity == .notice }.count }
    }

    /// Checked images in report order, then the groups of unattached findings in order of first appearance.
    public let groups: [Group]

    public init(_ report: RunReport) {
        var imageGroups = report.images.map { Group(image: $0, label: $0.label, path: $0.path, findings: []) }
        let index = PathIndex(report.images)
        var orphans: [Group] = []
        var orphanIndex: [String: Int] = [:]
        for finding in report.findings {
            if let owner = index.owner(of: finding, in: report.images) {
                imageGroups[owner].findings.append(finding)
                continue
            }
            let label = ImageGroups.label(of: finding)
            let key = finding.commit + "\u{0}" + label
            if let position = orphanIndex[key] {
                orphans[position].findings.append(finding)
            } else {
                orphanIndex[key] = orphans.count
                orphans.append(Group(image: nil, label: label, path: finding.path, findings: [finding]))
            }
        }
        groups = imageGroups + orphans
    }

    /// The label a finding shows when it belongs to no single image.
    public static func label(of finding: Finding) -> String {
        let base = finding.image ?? finding.path
        if let platform = finding.platform { return "\(base) (\(platform))" }
        return base
    }
}

/// Images by output path and manifest path, so placing a finding costs a walk up its path, not a scan of every image.
struct PathIndex {
    private var byOutput: [String: [Int]] = [:]
    private var byManifest: [String: [Int]] = [:]

    init(_ images: [ImageResult]) {
        for (position, image) in images.enumerated() {
            byOutput[image.path, default: []].append(position)
            byManifest[image.manifestPath, default: []].append(position)
        }
    }

    /// The index of the one image a finding belongs to, or nil when none or several fit.
    func owner(of finding: Finding, in images: [ImageResult]) -> Int? {
        // The deepest output that contains the path (the path itself, then each parent directory).
        var candidates: [Int] = []
        var prefix = Substring(finding.path)
        while candidates.isEmpty {
            candidates = (byOutput[String(prefix)] ?? []).filter { images[$0].commit == finding.commit }
            guard let slash = prefix.lastIndex(of: "/") else { break }
            prefix = prefix[..<slash]
        }
        candidates += (byManifest[finding.path] ?? []).filter { images[$0].commit == finding.commit && !candidates.contains($0) }
        if let name = finding.image { candidates = candidates.filter { images[$0].name == name } }
        if let platform = finding.platform { candidates = candidates.filter { images[$0].platform == platform } }
        if candidates.count > 1, let digest = finding.digest {
            let parsed = Digest(digest)
            let holding = candidates.filter { images[$0].manifestDigest == digest || images[$0].blobs.contains { $0.digest == parsed } }
            if !holding.isEmpty { candidates = holding }
        }
        return candidates.count == 1 ? candidates[0] : nil
    }
}
