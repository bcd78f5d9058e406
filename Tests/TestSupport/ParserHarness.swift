import Configuration
import Foundation
import ImageModel
import ImageOutputs

/// Runs every parser of the reading side over one input (and the input as a tar archive): the libFuzzer target (`fuzz/`) calls it for each generated input, and
/// ImageOutputsTests replays the seed corpus and every kept crash through it, so a fixed crash stays fixed.
public enum ParserHarness {
    /// Separates the parts of one input: part 0 is `index.json` (and a skopeo `manifest.json`), the others are blobs stored under
    /// their own digest, so the walker can follow references the fuzzer keeps intact.
    public static let separator = Data("\n--8<--\n".utf8)
    /// A part starting with this holds symbolic links, one `path -> target` per line.
    public static let linksMarker = Data("#links\n".utf8)
    /// A part starting with this is a Git LFS object: its pointer goes in the tree, its content in the store.
    public static let lfsMarker = Data("#lfs\n".utf8)

    /// Returns how many images the walker read, so tests can tell a seed really reaches the walker.
    @discardableResult
    public static func exercise(_ data: Data) -> Int {
        _ = try? DocumentParser.parse(data)
        _ = try? DocumentParser.parse(data, declaredMediaType: MediaType.ociIndex)
        _ = DocumentParser.parseConfig(data)
        _ = LFSPointer.parse(data)
        _ = DigestLines(data).line(of: MediaType.emptyDigest)
        if let text = String(data: data, encoding: .utf8) {
            _ = try? ConfigFile.parse(text, source: "fuzz.yml")
            _ = Digest(text)
            _ = Glob.matches(pattern: String(text.prefix(64)), path: "build/oci/app/index.json")
        }
        let parts = split(data)
        var files: [String: Data] = [:]
        var links: [String: String] = [:]
        var lfs: [String: Data] = [:]
        for part in parts.dropFirst().prefix(16) {
            if part.starts(with: linksMarker) {
                for line in String(decoding: part.dropFirst(linksMarker.count), as: UTF8.self).split(separator: "\n") {
                    let pair = line.components(separatedBy: " -> ")
                    if pair.count == 2 { links[pair[0]] = pair[1] }
                }
            } else if part.starts(with: lfsMarker) {
                let content = Data(part.dropFirst(lfsMarker.count))
                guard let oid = ContentDigest.compute(content, algorithm: "sha256") else { continue }
                lfs[oid.encoded] = content
                let pointer = Data(LFSPointer(oid: oid, size: Int64(content.count)).text.utf8)
                files["img/blobs/sha256/\(oid.encoded)"] = pointer
                files["dir/\(oid.encoded)"] = pointer
            } else if let digest = ContentDigest.compute(Data(part), algorithm: "sha256") {
                files["img/blobs/sha256/\(digest.encoded)"] = Data(part)
                files["dir/\(digest.encoded)"] = Data(part)
                files["dir/\(digest.encoded).manifest.json"] = Data(part)
            }
        }
        let top = Data(parts.first ?? Data())
        files["img/oci-layout"] = Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)
        files["img/index.json"] = top
        files["dir/version"] = Data("Directory Transport Version: 1.1\n".utf8)
        files["dir/manifest.json"] = top
        files["standalone.json"] = top
        let source = MemoryFileSource(files: files, symlinks: links, lfsObjects: lfs)
        let resolver = RepositoryResolver(mappings: [ImageMapping(path: "dir", repository: "app", registry: "demo")])
        let reader = LayoutReader(source: source, resolver: resolver)
        var images = 0
        for output in [
            ImageOutput(kind: .ociLayout, path: "img"), ImageOutput(kind: .skopeoDir, path: "dir"),
            ImageOutput(kind: .manifestFile, path: "standalone.json"),
        ] {
            let result = reader.read(output)
            for image in result.images {
                precondition(
                    image.blobs.allSatisfy { Digest($0.digest.string) != nil && $0.size >= 0 },
                    "an invalid blob reached the plan")
            }
            precondition(
                (result.findings + result.images.flatMap(\.findings)).allSatisfy {
                    $0.line >= 1 && !$0.path.contains("..")
                })
            images += result.images.count
        }
        images += exerciseArchive(data)
        return images
    }

    /// The whole input as a tar archive (gzip when it starts with the magic): the streaming tar reader, the archive source
    /// and both archive formats, under small limits so a generated tar bomb stays cheap.
    @discardableResult
    public static func exerciseArchive(_ data: Data) -> Int {
        var limits = ArchiveLimits()
        limits.maxMembers = 4096
        limits.maxTotalBytes = 64 << 20
        limits.maxMemberSize = 32 << 20
        let source = MemoryFileSource(files: ["in.tar": data])
        let result = ArchiveReader(
            source: source, resolver: RepositoryResolver(forcedRepository: "app"), limits: limits
        )
        .read(ImageOutput(kind: .tarArchive, path: "in.tar"))
        for image in result.images {
            precondition(
                image.blobs.allSatisfy { Digest($0.digest.string) != nil && $0.size >= 0 && $0.path == "in.tar" },
                "an invalid blob reached the plan")
        }
        precondition(
            (result.findings + result.images.flatMap(\.findings)).allSatisfy { $0.path == "in.tar" && $0.line >= 1 })
        return result.images.count
    }

    /// Splits an input at `separator`.
    public static func split(_ data: Data) -> [Data.SubSequence] {
        var parts: [Data.SubSequence] = []
        var rest = data[...]
        while let range = rest.range(of: separator), parts.count < 32 {
            parts.append(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        parts.append(rest)
        return parts
    }

    /// Joins parts the way `split` reads them, for building seeds.
    public static func join(_ parts: [Data]) -> Data {
        var out = Data()
        for (index, part) in parts.enumerated() {
            if index > 0 { out.append(separator) }
            out.append(part)
        }
        return out
    }
}
