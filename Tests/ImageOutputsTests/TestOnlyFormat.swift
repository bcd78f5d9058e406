import Foundation
import ImageModel
import ImageOutputs

/// A made-up output format, added by this one file to prove the format seam: a directory holding `images.txt`, one
/// manifest digest per line, with the manifests and their blobs under `blobs/sha256/` beside it. Nothing in the product
/// names it; a scan reads it only when it is in the scan's `OutputFormats`.
struct TestOnlyFormat: OutputFormat {
    static let listName = "images.txt"

    var kind: OutputKind { OutputKind("images-txt") }
    var reason: String { "a test-only images.txt naming manifest blobs" }
    var markerFiles: [String] { [TestOnlyFormat.listName] }

    func images(of output: ImageOutput, in source: FileSource, resolver: RepositoryResolver) -> ScanResult {
        let root = root(of: output)
        let listPath = root.isEmpty ? TestOnlyFormat.listName : root + "/" + TestOnlyFormat.listName
        var result = ScanResult()
        guard case .file(let data) = source.read(listPath, limit: 1 << 20, within: root) else {
            let why = "\(listPath) cannot be read"
            result.findings.append(Finding(rule: .manifestInvalid, message: why, path: listPath, commit: source.commit))
            return result
        }
        let reader = LayoutReader(source: source, resolver: resolver, format: self)
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let digest = Digest(String(line)) else { continue }
            let part = reader.readDocument(at: blobPath(of: digest, root: root), of: output)
            result.images += part.images
            result.findings += part.findings
        }
        result.candidates.append(OutputCandidate(path: output.path, kind: kind.rawValue, read: true, reason: reason))
        return result
    }
}
