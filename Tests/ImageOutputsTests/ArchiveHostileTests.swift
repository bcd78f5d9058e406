import Foundation
import ImageModel
import TestSupport
import Testing

@testable import ImageOutputs

/// Hostile archives (issue 11): each case ends as findings located at the archive and naming what was wrong (and the limit
/// hit), in well under a second, with nothing extracted or written.
private func readArchive(_ data: Data, limits: ArchiveLimits = .standard, path: String = "out/app.tar") -> (
    ScanResult, Duration
) {
    var result = ScanResult()
    let elapsed = timed {
        result = ArchiveReader(source: MemoryFileSource(files: [path: data]), resolver: appResolver, limits: limits)
            .read(ImageOutput(kind: .tarArchive, path: path))
    }
    #expect(elapsed < .seconds(5), "took \(elapsed)")  // a hang guard; speed lives in make bench
    #expect(result.allFindings.allSatisfy { $0.path == path && $0.line == 1 })
    return (result, elapsed)
}

/// A well-formed OCI layout (one image) as tar members, for cases that spoil one part of it.
func layoutMembers(name: String = "public.ecr.aws/demo/app:v1") -> (
    members: [TarBuilder.Member], layer: Blob, config: Blob, manifest: Blob
) {
    let layout = MemoryLayout("img")
    let layer = layout.layer("archived")
    let config = layout.config()
    let manifest = layout.manifest(config: config, layers: [layer])
    layout.top([manifest.descriptor(MediaType.ociManifest, ["annotations": ["io.containerd.image.name": name]])])
    var members: [TarBuilder.Member] = []
    for (path, data) in layout.files.sorted(by: { $0.key < $1.key }) {
        members.append(.file(String(path.dropFirst("img/".count)), data))
    }
    return (members, layer, config, manifest)
}

@Test func wellFormedLayoutArchiveReadsItsImage() throws {
    let (members, layer, config, manifest) = layoutMembers()
    let (result, _) = readArchive(TarBuilder(members).build())
    #expect(result.allFindings.isEmpty, "\(result.allFindings)")
    let image = try #require(result.images.first)
    #expect(image.blobs.map(\.digest.string) == [config.digest, layer.digest])
    #expect(image.outputPath == "out/app.tar" && image.manifestPath == "out/app.tar")
    #expect(
        image.blobs.allSatisfy {
            $0.path == "out/app.tar" && $0.member?.contains("blobs/sha256/\(manifest.hex)") == true
        })
    #expect(result.candidates.map(\.kind) == ["oci-archive"])
}

@Test func traversalMemberNamesAreFindings() throws {
    var (members, _, _, _) = layoutMembers()
    members.append(.file("../../../../tmp/vl-escaped", "owned"))
    members.append(.file("/etc/vl-absolute", "owned"))
    members.append(.file("blobs/../../outside", "owned"))
    let (result, _) = readArchive(TarBuilder(members).build())
    let traversal = result.allFindings.filter { $0.message.contains("path traversal") }
    #expect(traversal.count == 3, "\(result.allFindings)")
    #expect(traversal.allSatisfy { $0.rule == .manifestInvalid })
    #expect(traversal.contains { $0.message.contains("../../../../tmp/vl-escaped") })
    #expect(result.images.count == 1, "the rest of the archive is still read")
    #expect(!FileManager.default.fileExists(atPath: "/tmp/vl-escaped"))
}

@Test func symlinkInsideIsFollowedAndEscapingOneIsAFinding() throws {
    var (members, layer, config, _) = layoutMembers()
    // The config blob stored elsewhere and linked into blobs/ (as rules_oci does) must still be read and hashed.
    members.removeAll { $0.name == "blobs/sha256/\(config.hex)" }
    members.append(.file("store/config.json", config.data))
    members.append(.symlink("blobs/sha256/\(config.hex)", to: "../../store/config.json"))
    members.append(.symlink("blobs/sha256/evil", to: "../../../../etc/passwd"))
    members.append(.symlink("abs", to: "/etc/shadow"))
    let (result, _) = readArchive(TarBuilder(members).build())
    let image = try #require(result.images.first)
    #expect(image.platform?.description == "linux/amd64", "the config was read through the link")
    #expect(image.blobs.map(\.digest.string) == [config.digest, layer.digest])
    #expect(image.findings.isEmpty, "\(image.findings)")
    let escaping = result.findings.filter { $0.message.contains("points outside the archive") }
    #expect(escaping.count == 2, "\(result.findings)")
}

@Test func hardlinksFollowInsideAndEscapingOnesAreFindings() throws {
    var (members, _, config, _) = layoutMembers()
    members.removeAll { $0.name == "blobs/sha256/\(config.hex)" }
    members.insert(.file("store/config.json", config.data), at: 0)
    members.append(.hardlink("blobs/sha256/\(config.hex)", to: "store/config.json"))
    members.append(.hardlink("blobs/sha256/escape", to: "../../etc/passwd"))
    members.append(.hardlink("blobs/sha256/dangling", to: "not/there"))
    let (result, _) = readArchive(TarBuilder(members).build())
    #expect(result.images.first?.platform?.description == "linux/amd64")
    #expect(result.images.first?.findings.isEmpty == true)
    #expect(
        result.findings.contains { $0.message.contains("hard link to \"../../etc/passwd\" points outside the archive") }
    )
    #expect(result.findings.contains { $0.message.contains("not an earlier file of the archive") })
}

@Test func memberDeclaringAHugeSizeIsRefused() throws {
    var (members, _, _, _) = layoutMembers()
    // 077777777777 octal = 8 GiB declared, over a 1 MiB member limit, with no content behind it.
    members.insert(TarBuilder.Member(name: "blobs/sha256/huge", rawSize: Array("77777777777\0".utf8)), at: 0)
    var limits = ArchiveLimits()
    limits.maxMemberSize = 1 << 20
    let (result, _) = readArchive(TarBuilder(members).build(), limits: limits)
    #expect(result.images.isEmpty, "an archive read only in part yields no image")
    #expect(
        result.findings.contains {
            $0.rule == .manifestInvalid && $0.message.contains("limit hit: member size")
                && $0.message.contains("blobs/sha256/huge")
        })
    // GNU base-256 sizes beyond 63 bits are refused as a header problem.
    var base256 = [UInt8](repeating: 0xff, count: 12)
    base256[0] = 0x80
    let (giant, _) = readArchive(TarBuilder([TarBuilder.Member(name: "x", rawSize: base256)]).build())
    #expect(giant.findings.contains { $0.message.contains("overflows") }, "\(giant.findings)")
}

@Test func truncatedArchiveIsAFinding() throws {
    let (members, _, _, _) = layoutMembers()
    let full = TarBuilder(members).build()
    let (midMember, _) = readArchive(full.prefix(512 + 10))
    #expect(midMember.images.isEmpty)
    #expect(
        midMember.findings.contains { $0.rule == .manifestInvalid && $0.message.contains("truncated") },
        "\(midMember.findings)")
    let (noEnd, _) = readArchive(TarBuilder(members).build(endMarker: false))
    #expect(noEnd.findings.contains { $0.message.contains("end-of-archive") }, "\(noEnd.findings)")
    let (midHeader, _) = readArchive(full.prefix(512 * 3 + 100))
    #expect(midHeader.findings.contains { $0.message.contains("truncated") })
}

@Test func tarBombHitsTheMemberCountLimit() throws {
    var (members, _, _, _) = layoutMembers()
    for index in 0..<50 { members.append(.file("blobs/sha256/\(index)", "x")) }
    var limits = ArchiveLimits()
    limits.maxMembers = 20
    let (result, _) = readArchive(TarBuilder(members).build(), limits: limits)
    #expect(result.images.isEmpty)
    #expect(
        result.findings.contains { $0.message.contains("more than 20 members (limit hit: member count)") },
        "\(result.findings)")
}

@Test func gzipTarBombHitsTheTotalSizeLimit() throws {
    var (members, _, _, _) = layoutMembers()
    members.insert(.file("blobs/sha256/zeros", Data(count: 4 << 20)), at: 0)  // 4 MiB of zeros gzip to a few KiB
    let compressed = try TarBuilder.gzip(TarBuilder(members).build())
    #expect(compressed.count < 64 * 1024)
    var limits = ArchiveLimits()
    limits.maxTotalBytes = 1 << 20
    let (result, _) = readArchive(compressed, limits: limits, path: "out/app.tar.gz")
    #expect(result.images.isEmpty)
    #expect(result.findings.contains { $0.message.contains("limit hit: total size") }, "\(result.findings)")
}

@Test func badGzipIsAFinding() throws {
    let (members, _, _, _) = layoutMembers()
    var compressed = try TarBuilder.gzip(TarBuilder(members).build())
    let (good, _) = readArchive(compressed, path: "a.tgz")
    #expect(good.images.count == 1 && good.allFindings.isEmpty, "\(good.allFindings)")
    for index in 12..<min(compressed.count - 8, 80) { compressed[index] ^= 0x5a }
    let (corrupt, _) = readArchive(compressed, path: "a.tgz")
    #expect(corrupt.images.isEmpty)
    #expect(
        corrupt.findings.contains { $0.rule == .manifestInvalid && $0.message.contains("gzip") }, "\(corrupt.findings)")
    let (cut, _) = readArchive(compressed.prefix(20), path: "a.tgz")
    #expect(cut.findings.contains { $0.message.contains("gzip") })
}

@Test func nonOctalHeaderFieldIsAFinding() throws {
    var (members, _, _, _) = layoutMembers()
    members.insert(
        TarBuilder.Member(name: "blobs/sha256/odd", data: Data("abc".utf8), rawSize: Array("0000000x003\0".utf8)), at: 1
    )
    let (result, _) = readArchive(TarBuilder(members).build())
    #expect(result.images.isEmpty)
    #expect(
        result.findings.contains { $0.message.contains("size field") && $0.message.contains("not an octal number") },
        "\(result.findings)")
}

@Test func badHeaderChecksumIsAFinding() throws {
    var (members, _, _, _) = layoutMembers()
    members[1].corruptChecksum = true
    let (result, _) = readArchive(TarBuilder(members).build())
    #expect(result.images.isEmpty)
    #expect(
        result.findings.contains { $0.rule == .manifestInvalid && $0.message.contains("bad header checksum") },
        "\(result.findings)")
}

@Test func fileNamedLikeATarThatIsNotOneIsSkippedWithANotice() throws {
    let (result, _) = readArchive(Data("just some text, not a tar at all\n".utf8))
    #expect(result.allFindings.map(\.rule) == [.outputSkipped])
    #expect(result.findings.first?.message.contains("not one") == true)
}

/// `docker save app | zstd > app.tar` (or xz, bzip2): the notice says which compression it is and what is read, not a tar
/// header field's complaint about compressed bytes.
@Test func tarCompressedWithAnotherToolIsANoticeNamingTheCompression() throws {
    let heads: [(String, [UInt8])] = [
        ("zstd", [0x28, 0xB5, 0x2F, 0xFD, 0x04, 0x58]), ("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0x00, 0x04]),
        ("bzip2", Array("BZh91AY&SY".utf8)),
    ]
    for (name, head) in heads {
        let (result, _) = readArchive(Data(head + [UInt8](repeating: 0x41, count: 2048)))
        #expect(result.allFindings.map(\.rule) == [.outputSkipped], "\(name)")
        let message = result.findings.first?.message ?? ""
        #expect(message.contains("it is \(name)-compressed") && message.contains("gzip"), "\(message)")
    }
}

@Test func sourceTarballIsNotReadAndNotReported() throws {
    let members = (0..<40).map { TarBuilder.Member.file("project-1.0/src/file\($0).c", "int x;\n") }
    let (result, elapsed) = readArchive(TarBuilder(members).build(), path: "vendor/project-1.0.tar")
    #expect(result.allFindings.isEmpty && result.images.isEmpty)
    #expect(result.candidates.first?.read == false)
    #expect(result.candidates.first?.reason.contains("not an image archive") == true)
    #expect(elapsed < .seconds(2))  // a tiny archive: a hang guard, not a speed target
}

/// A web app's tar (`tar -czf site.tar.gz dist/` at the top: a PWA `manifest.json`, a site's `index.json`, `index.html`)
/// is no image archive: not read, not reported (it was a manifest-invalid error that failed every push). A tar holding
/// nothing but a `manifest.json`, or one whose `manifest.json` is shaped like an image's, is still read and its problems
/// said.
@Test func webAppTarWithItsOwnManifestJSONIsNotAnImageArchive() throws {
    let pwa = #"{"name":"My App","short_name":"app","start_url":"/","display":"standalone","icons":[]}"#
    for members: [TarBuilder.Member] in [
        [.file("manifest.json", pwa), .file("index.html", "<html></html>"), .file("sw.js", "self.x=1")],
        [.file("index.json", #"{"posts":[]}"#), .file("index.html", "<html></html>")],
        [.file("manifest.json", pwa), .file("index.json", "[1,2]"), .file("app.js", "x")],
    ] {
        let (result, _) = readArchive(TarBuilder(members).build(), path: "site/dist.tar")
        #expect(result.allFindings.isEmpty && result.images.isEmpty, "\(result.allFindings)")
        #expect(result.candidates.first?.read == false)
        #expect(result.candidates.first?.reason.contains("not an image archive") == true, "\(result.candidates)")
    }
    let imageShaped = #"{"schemaVersion":2,"config":{},"layers":[]}"#
    for members: [TarBuilder.Member] in [
        [.file("manifest.json", pwa)], [.file("manifest.json", imageShaped), .file("notes.txt", "x")],
    ] {
        let (result, _) = readArchive(TarBuilder(members).build())
        #expect(result.allFindings.contains { $0.rule == .manifestInvalid }, "\(result.allFindings)")
    }
}

/// A tarball too small for the leading-members rule (an npm package, a two-file source tar) that holds nothing of an
/// image is not reported either; one that holds blobs but no index is (half an image archive).
@Test func smallTarballWithNothingOfAnImageIsNotReported() throws {
    for members: [TarBuilder.Member] in [
        [.file("package/package.json", #"{"name":"x"}"#), .file("package/index.js", "module.exports = 1")],
        [.file("src/main.c", "int main(void) { return 0; }"), .file("Makefile", "all:")],
    ] {
        let (result, _) = readArchive(TarBuilder(members).build(), path: "vendor/x-1.0.0.tgz")
        #expect(result.allFindings.isEmpty, "\(result.allFindings)")
        #expect(result.candidates.first?.reason.contains("not an image archive") == true, "\(result.candidates)")
    }
    let blobsOnly = TarBuilder([.file("blobs/sha256/" + String(repeating: "a", count: 64), "x")]).build()
    #expect(readArchive(blobsOnly).0.allFindings.map(\.rule) == [.outputSkipped])
    let downOne = TarBuilder([.file("app/blobs/sha256/" + String(repeating: "a", count: 64), "x")]).build()
    #expect(readArchive(downOne).0.allFindings.map(\.rule) == [.outputSkipped])
    #expect(readArchive(TarBuilder([]).build()).0.allFindings.map(\.rule) == [.outputSkipped], "an empty tar")
}

@Test func largeMembersAreHashedNotKept() throws {
    var (members, layer, _, _) = layoutMembers()
    let big = Data(repeating: 0x7b, count: 6 << 20)  // starts with "{" but is over 4 MiB: hashed, never held
    members.append(.file("blobs/sha256/big", big))
    let contents = ArchiveIndexer().index(DataByteStream(TarBuilder(members).build()), prefix: "a.tar", commit: "0")
    let source = contents.source
    guard case .tooLarge(let size) = source.read("a.tar/blobs/sha256/big", limit: 4 << 20) else {
        Issue.record("a 6 MiB member must be too large to read")
        return
    }
    #expect(size == 6 << 20)
    #expect(
        source.probe("a.tar/blobs/sha256/big", algorithm: "sha256", within: "a.tar")
            == .content(size: 6 << 20, digest: ContentDigest.compute(big, algorithm: "sha256")))
    #expect(
        source.probe("a.tar/blobs/sha256/\(layer.hex)", algorithm: "sha256", within: "a.tar")
            == .content(size: Int64(layer.size), digest: Digest(layer.digest)))
}

@Test func concatenatedGzipMembersReadAsOneStream() throws {
    let (members, _, _, _) = layoutMembers()
    let tar = TarBuilder(members).build()
    let split = tar.count / 2 + 17
    let twoMembers = try TarBuilder.gzip(tar.prefix(split)) + TarBuilder.gzip(tar.dropFirst(split))
    let (result, _) = readArchive(twoMembers, path: "app.tar.gz")
    #expect(result.images.count == 1 && result.allFindings.isEmpty, "\(result.allFindings)")
    #expect(result.candidates.first?.reason.contains("gzip-compressed") == true)
}
