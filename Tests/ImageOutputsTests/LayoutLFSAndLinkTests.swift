import Foundation
import ImageModel
import TestSupport
import Testing

@testable import ImageOutputs

private func pointer(to blob: Blob) -> Data {
    Data("version https://git-lfs.github.com/spec/v1\noid \(blob.digest)\nsize \(blob.size)\n".utf8)
}

/// A layout whose every file is committed through Git LFS, with the objects in the local store.
private func lfsLayout() -> (MemoryLayout, manifest: Blob, layer: Blob, index: Blob) {
    let layout = MemoryLayout()
    let layer = layout.layer("lfs")
    let manifest = layout.manifest(config: layout.config(), layers: [layer])
    let index = layout.top([
        manifest.descriptor(
            MediaType.ociManifest, ["annotations": ["io.containerd.image.name": "public.ecr.aws/demo/app:lfs"]])
    ])
    for (path, data) in layout.files where path != "img/oci-layout" {
        let blob = Blob(data)
        layout.lfsObjects[blob.hex] = data
        layout.files[path] = pointer(to: blob)
    }
    return (layout, manifest, layer, index)
}

@Test func lfsPointersAreReadFromTheLocalStore() throws {
    let (layout, manifest, layer, _) = lfsLayout()
    let result = readLayout(layout)
    #expect(result.allFindings.isEmpty)
    #expect(result.images.first?.blobs.map(\.digest.string).contains(layer.digest) == true)
    #expect(result.images.first?.manifestPath == layout.path(of: manifest))
    #expect(result.images.first?.platform?.description == "linux/amd64", "the config is read through LFS too")
}

@Test func lfsPointerLayersAreCheckedWithoutTheirContent() throws {
    let (layout, _, layer, _) = lfsLayout()
    layout.lfsObjects.removeValue(forKey: layer.hex)
    #expect(readLayout(layout).allFindings.isEmpty, "a layer pointer needs no object: its oid and size are compared")
}

@Test func lfsPointerLayerWithWrongOidOrSizeIsReported() throws {
    let (layout, manifest, layer, _) = lfsLayout()
    layout.files[layout.path(of: layer)] = Data(
        "version https://git-lfs.github.com/spec/v1\noid sha256:\(String(repeating: "e", count: 64))\nsize 3\n".utf8)
    let result = readLayout(layout)
    #expect(result.rules() == ["digest-mismatch", "size-mismatch"])
    #expect(
        result.allFindings.allSatisfy {
            $0.path == layout.path(of: manifest) && $0.line == manifest.line(of: layer.digest)
        })
    #expect(result.allFindings.allSatisfy { $0.message.contains("Git LFS pointer") })
}

/// A config's content is read (its platform, its `rootfs.diff_ids`), unlike a layer's: a config pointer whose object is
/// not here is `lfs-object-missing`, not an image quietly without a platform; its digest is still asked about.
@Test func missingLFSObjectForAConfigIsAnErrorAndTheConfigIsStillAsked() throws {
    let (layout, _, _, _) = lfsLayout()
    let config = try #require(readLayout(layout).images.first?.blobs.first { $0.role == .config })
    layout.lfsObjects.removeValue(forKey: config.digest.encoded)
    let result = readLayout(layout)
    #expect(result.allFindings.map(\.rule) == [.lfsObjectMissing], "\(result.allFindings)")
    #expect(result.allFindings.first?.path == "img/blobs/sha256/\(config.digest.encoded)")
    #expect(result.allFindings.first?.digest == config.digest.string)
    #expect(result.images.first?.blobs.contains { $0.role == .config && $0.digest == config.digest } == true)
}

@Test func missingLFSObjectForIndexIsAnErrorSayingHowToFetch() throws {
    let (layout, _, _, index) = lfsLayout()
    layout.lfsObjects.removeValue(forKey: index.hex)
    let result = readLayout(layout)
    let finding = try #require(result.allFindings.first)
    #expect(result.allFindings.count == 1)
    #expect(finding.rule == .lfsObjectMissing && finding.severity == .error)
    #expect(finding.path == "img/index.json")
    #expect(finding.message.contains("git lfs fetch --include=\"img/index.json\""))
}

@Test func missingLFSObjectForManifestNamesImageAndPlatform() throws {
    let (layout, manifest, _, _) = lfsLayout()
    layout.lfsObjects.removeValue(forKey: manifest.hex)
    let result = readLayout(layout)
    let finding = try #require(result.allFindings.first)
    #expect(finding.rule == .lfsObjectMissing)
    #expect(finding.path == layout.path(of: manifest))
    #expect(finding.image == "public.ecr.aws/demo/app:lfs")
    #expect(result.images.isEmpty)
}

@Test func corruptLFSObjectIsNotTrusted() throws {
    let (layout, manifest, _, _) = lfsLayout()
    layout.lfsObjects[manifest.hex] = Data(repeating: 0x20, count: manifest.size)
    let result = readLayout(layout)
    #expect(result.images.isEmpty)
    #expect(result.allFindings.first?.rule == .manifestInvalid)
    #expect(result.allFindings.first?.message.contains("does not hash to its oid") == true)
}

// MARK: - Symbolic links

@Test func symlinkedBlobsInsideTheLayoutResolve() throws {
    let layout = MemoryLayout("out/app")
    let layer = layout.layer("linked")
    let manifest = layout.manifest(config: layout.config(), layers: [layer])
    layout.top([manifest.descriptor(MediaType.ociManifest)])
    // rules_oci style: blobs are relative links into another directory of the same layout.
    for blob in [layer, manifest] {
        let path = layout.path(of: blob)
        layout.files["out/app/store/\(blob.hex).bin"] = layout.files.removeValue(forKey: path)
        layout.symlinks[path] = "../../store/\(blob.hex).bin"
    }
    let result = readLayout(layout)
    #expect(result.allFindings.isEmpty)
    #expect(result.images.count == 1)
}

@Test func symlinksLeavingTheLayoutAreRefusedBeforeAnyRead() throws {
    let layout = MemoryLayout("out/app")
    let layer = layout.layer("secret")
    let manifest = layout.manifest(config: layout.config(), layers: [layer])
    let other = MemoryLayout("out/other")
    let decoy = other.manifest(config: other.config(), layers: [], store: false)
    layout.top([manifest.descriptor(MediaType.ociManifest), decoy.descriptor(MediaType.ociManifest)])
    layout.files["out/other/blobs/sha256/\(decoy.hex)"] = decoy.data
    layout.symlinks[layout.path(of: decoy)] = "../../../other/blobs/sha256/\(decoy.hex)"
    layout.files["etc/passwd"] = Data("root:x:0:0".utf8)
    layout.files.removeValue(forKey: layout.path(of: layer))
    layout.symlinks[layout.path(of: layer)] = "/etc/passwd"
    let spy = SpySource(layout.source())
    let result = LayoutReader(source: spy, resolver: appResolver).read(layout.output)
    let escape = try #require(result.allFindings.first { $0.digest == decoy.digest })
    #expect(escape.rule == .manifestInvalid && escape.severity == .error)
    #expect(escape.message.contains("leaves the output out/app"))
    let absolute = try #require(result.allFindings.first { $0.digest == layer.digest })
    #expect(absolute.severity == .warning)
    #expect(absolute.message.contains("absolute path"))
    #expect(result.images.count == 1, "the decoy manifest outside the layout was not read")
    #expect(!spy.paths.contains { $0.hasPrefix("out/other") || $0.hasPrefix("etc") })
}

@Test func symlinkLoopsEndAsFindings() throws {
    let layout = MemoryLayout()
    let manifest = layout.manifest(config: layout.config(), layers: [], store: false)
    layout.symlinks[layout.path(of: manifest)] = "loop"
    layout.symlinks["img/blobs/sha256/loop"] = "\(manifest.hex)"
    layout.top([manifest.descriptor(MediaType.ociManifest)])
    var result = ScanResult()
    #expect(timed { result = readLayout(layout) } < .seconds(1))
    #expect(result.allFindings.first?.message.contains("too many levels of symbolic links") == true)
}

@Test func indexJSONLinkingOutOfTheLayoutIsRefused() throws {
    let layout = MemoryLayout()
    layout.files["secrets.json"] = Data(#"{"manifests":[]}"#.utf8)
    layout.symlinks["img/index.json"] = "../secrets.json"
    let result = readLayout(layout)
    #expect(result.allFindings.map(\.rule) == [.manifestInvalid])
    #expect(result.allFindings.first?.message.contains("leaves the output img") == true)
}

@Test func resolverConfinesEveryRoute() {
    let nodes: [String: PathNode] = [
        "a": .directory, "a/b": .directory, "a/b/up": .symlink(".."), "a/b/file": .file, "a/b/far": .symlink("../../x"),
        "a/b/dot": .symlink("./file"), "a/b/sub": .other("it is a submodule"),
    ]
    func resolve(_ path: String, within root: String = "a") -> PathResolution {
        SymlinkResolver.resolve(path, within: root) { nodes[$0] ?? .missing }
    }
    #expect(resolve("a/b/up/b/file") == .file("a/b/file"))
    #expect(resolve("a/b/dot") == .file("a/b/file"))
    #expect(resolve("a/b/../b/file") == .file("a/b/file"))
    #expect(resolve("a/../a/b/file") == .notReadable("\"a/../a/b/file\" climbs out of the output a"))
    if case .notReadable(let why) = resolve("a/b/far") {
        #expect(why.contains("leaves the output a"))
    } else {
        Issue.record("far link followed")
    }
    if case .notReadable = resolve("x/file") {} else { Issue.record("path outside the root accepted") }
    #expect(resolve("a/b/file/more") == .missing)
    #expect(resolve("a/b/sub/x") == .notReadable("it is a submodule"))
    #expect(resolve("a/b") == .notReadable("it is a directory"))
    #expect(resolve("a/b/far", within: "") == .missing, "inside the repository the link may climb to the root")
}
