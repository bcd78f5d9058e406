/// Which images each finding belongs to: every report shows a finding under every image whose graph holds its blob, so no
/// image with an error is ever shown as ok, and every format counts the same failing images.
///
/// Findings made for one image (its reading problems and its verdicts) belong to that image by construction. A finding
/// made for no single image (one the reader recorded for a whole output) belongs to every image of the same commit and
/// output whose graph (index digests, manifest digest, config and layers) holds its digest and whose repository it does not
/// contradict; one without a digest belongs to the images whose manifest file it points at. The rest belong to no image.
public enum Attribution {
    /// For each image (in `images` order), the indexes into `findings` of the findings it shows, ascending.
    /// `owners[f]` lists the images finding `f` was made for; findings without an entry (or with an empty one) are placed
    /// by their digest or manifest path.
    public static func compute(findings: [Finding], images: [ImageResult], owners: [[Int]] = []) -> [[Int]] {
        var byImage = [[Int]](repeating: [], count: images.count)
        // Built only when a finding has no owner: the index holds every blob digest of every image as text, the largest
        // thing a large run would otherwise allocate while its report is built.
        var index: GraphIndex?
        for (position, finding) in findings.enumerated() {
            var made = position < owners.count ? owners[position] : []
            if made.isEmpty {
                if index == nil { index = GraphIndex(images) }
                made = index?.holders(of: finding, in: images) ?? []
            }
            for image in made where image < images.count {
                byImage[image].append(position)
            }
        }
        return byImage
    }
}

/// Images by the digests in their graphs and by their manifest paths, so placing a finding does not scan every image.
struct GraphIndex {
    private var byDigest: [String: [Int]] = [:]
    private var byManifestPath: [String: [Int]] = [:]
    private var byOutput: [String: [Int]] = [:]

    init(_ images: [ImageResult]) {
        for (position, image) in images.enumerated() {
            var digests = Set(image.blobDigests)
            if let manifest = image.manifestDigest { digests.insert(manifest) }
            digests.formUnion(image.indexDigests)
            for digest in digests { byDigest[digest, default: []].append(position) }
            byManifestPath[image.manifestPath, default: []].append(position)
            byOutput[image.path, default: []].append(position)
        }
    }

    /// The images of the deepest output that holds `path` (the path itself, then each parent directory).
    private func deepestOutput(containing path: String) -> [Int] {
        var prefix = Substring(path)
        while true {
            if let found = byOutput[String(prefix)] { return found }
            guard let slash = prefix.lastIndex(of: "/") else { return [] }
            prefix = prefix[..<slash]
        }
    }

    /// The images a finding made for no single image belongs to.
    func holders(of finding: Finding, in images: [ImageResult]) -> [Int] {
        var candidates: [Int]
        if let digest = finding.digest {
            candidates = (byDigest[digest] ?? []).filter { GraphIndex.contains(output: images[$0].path, finding.path) }
        } else {
            candidates = byManifestPath[finding.path] ?? []
            if candidates.isEmpty { candidates = deepestOutput(containing: finding.path) }
        }
        return candidates.filter { position in
            let image = images[position]
            return image.commit == finding.commit
                && (finding.repository == nil || finding.repository == image.repository)
                && (finding.image == nil || finding.image == image.name)
                && (finding.platform == nil || finding.platform == image.platform)
        }
    }

    /// Whether `path` is the output itself (an archive, a manifest file) or a file inside it.
    static func contains(output: String, _ path: String) -> Bool {
        output.isEmpty || path == output || path.hasPrefix(output + "/")
    }
}
