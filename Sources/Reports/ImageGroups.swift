import ImageModel

/// Findings sorted under the images they belong to (`RunReport.imageFindings`), so every per-image format (text, JUnit,
/// step summary) shows the same images failing as the JSON `images[]`.
///
/// A finding whose blob several images share is under each of them; findings that belong to no image (a broken index
/// entry, a skipped candidate) get a group of their own, labelled by their image reference or path.
public struct ImageGroups: Sendable {
    /// One image and its findings, or (when `image` is nil) findings that belong to no image.
    public struct Group: Sendable {
        public var image: ImageResult?
        public var label: String
        public var path: String
        public var commit: String
        public var findings: [Finding]

        public var errors: Int { findings.filter { $0.severity == .error }.count }
        public var warnings: Int { findings.filter { $0.severity == .warning }.count }
        public var notices: Int { findings.filter { $0.severity == .notice }.count }
    }

    /// Images in report order, then the groups of unattributed findings in order of first appearance; labels are unique.
    public let groups: [Group]
    /// For each finding of the report, the labels of the groups that show it: what per-finding formats (annotations,
    /// Code Quality, SARIF) name, so they point at the same images as the per-image formats.
    public let labelsByFinding: [[String]]

    public init(_ report: RunReport) {
        var groups: [Group] = []
        var members: [[Int]] = []
        groups.reserveCapacity(report.images.count)
        for (position, image) in report.images.enumerated() {
            let shown = position < report.imageFindings.count ? report.imageFindings[position] : []
            groups.append(
                Group(
                    image: image, label: image.label, path: image.path, commit: image.commit,
                    findings: shown.map { report.findings[$0] }))
            members.append(shown)
        }
        var orphanIndex: [String: Int] = [:]
        for position in report.unattributed {
            let finding = report.findings[position]
            let label = ImageGroups.label(of: finding)
            let key = finding.commit + "\u{0}" + label
            if let existing = orphanIndex[key] {
                groups[existing].findings.append(finding)
                members[existing].append(position)
            } else {
                orphanIndex[key] = groups.count
                groups.append(
                    Group(image: nil, label: label, path: finding.path, commit: finding.commit, findings: [finding]))
                members.append([position])
            }
        }
        let unique = ImageGroups.uniqueLabels(groups)
        var labels = [[String]](repeating: [], count: report.findings.count)
        for (group, positions) in zip(unique, members) {
            for position in positions { labels[position].append(group.label) }
        }
        self.groups = unique
        self.labelsByFinding = labels
    }

    /// The prefix per-finding formats put before a message: the images it belongs to.
    public func prefix(ofFinding position: Int) -> String {
        let labels = labelsByFinding[position]
        return labels.isEmpty ? "" : labels.joined(separator: "; ") + ": "
    }

    /// The prefix of a finding rendered without its report: the image reference and platform it carries.
    static func fallbackPrefix(_ finding: Finding) -> String {
        var parts: [String] = []
        if let image = finding.image { parts.append(image) }
        if let platform = finding.platform { parts.append(parts.isEmpty ? platform : "(\(platform))") }
        return parts.isEmpty ? "" : parts.joined(separator: " ") + ": "
    }

    /// The label a finding shows when it belongs to no image.
    public static func label(of finding: Finding) -> String {
        ImageLabel.make(path: finding.path, name: finding.image, refName: nil, platform: finding.platform)
    }

    /// Two images that still read alike (the same manifest listed twice, untagged) get `#2`, `#3`…: JUnit names must be unique.
    static func uniqueLabels(_ groups: [Group]) -> [Group] {
        var seen: [String: Int] = [:]
        return groups.map { group in
            var group = group
            let key = group.commit + "\u{0}" + group.label
            let count = (seen[key] ?? 0) + 1
            seen[key] = count
            if count > 1 { group.label += " #\(count)" }
            return group
        }
    }
}
