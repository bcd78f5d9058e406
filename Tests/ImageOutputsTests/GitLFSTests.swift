import Foundation
import ImageModel
import TestSupport
import Testing

@testable import GitAccess
@testable import ImageOutputs

/// A repository with git-lfs enabled locally (git-lfs from Debian works offline for local commits).
func lfsFixture() throws -> GitFixture {
    let fixture = try GitFixture()
    try fixture.git(["lfs", "install", "--local"])
    return fixture
}

@Test func lfsTrackedLayoutIsReadFromTheLocalStore() throws {
    let fixture = try lfsFixture()
    let layout = MemoryLayout("lfs/app")
    let layer = layout.layer("through lfs")
    let manifest = layout.manifest(config: layout.config(), layers: [layer])
    let index = layout.top([manifest.descriptor(MediaType.ociManifest)])
    try fixture.git(["lfs", "track", "lfs/**"])
    try fixture.write(layout.files)
    let commit = try #require(ObjectID(hex: try fixture.commitAll()))
    #expect(
        try fixture.git(["show", "HEAD:lfs/app/index.json"]).stdout.hasPrefix(
            "version https://git-lfs.github.com/spec/v1"))

    let repository = try GitRepository(discovering: fixture.path)
    let snapshot = try CommitSnapshot(repository: repository, commit: commit)
    #expect(snapshot.lfsStore.objectsDirectory.hasSuffix(".git/lfs/objects"))
    if case .file(let data) = snapshot.read("lfs/app/index.json", limit: 1 << 20) {
        #expect(data == index.data)
    } else {
        Issue.record("index not resolved")
    }
    #expect(
        snapshot.probe(layout.path(of: layer), algorithm: "sha256", within: "lfs/app")
            == .lfsPointer(LFSPointer(oid: try #require(Digest(layer.digest)), size: Int64(layer.size))))
    let result = LayoutReader(source: snapshot, resolver: appResolver).read(layout.output)
    #expect(result.allFindings.isEmpty)
    #expect(result.images.first?.blobs.count == 2)

    // A CI checkout without LFS objects must not pass silently.
    try FileManager.default.removeItem(atPath: fixture.path + "/.git/lfs/objects")
    let bare = try CommitSnapshot(repository: try GitRepository(discovering: fixture.path), commit: commit)
    if case .lfsObjectMissing(let pointer) = bare.read("lfs/app/index.json", limit: 1 << 20) {
        #expect(pointer.oid.string == index.digest)
    } else {
        Issue.record("missing object not reported")
    }
    let missing = LayoutReader(source: bare, resolver: appResolver).read(layout.output)
    #expect(missing.allFindings.map(\.rule) == [.lfsObjectMissing])
    #expect(
        missing.allFindings.first?.message.contains(
            "git lfs fetch --include=\"lfs/app/index.json\" origin \(commit.hex)") == true)
}

@Test func lfsStorageSettingIsHonoured() throws {
    let fixture = try GitFixture()
    try fixture.git(["config", "lfs.storage", "custom-lfs"])
    let repository = try GitRepository(discovering: fixture.path)
    let store = try LFSObjectStore(repository: repository)
    #expect(store.objectsDirectory.hasSuffix(".git/custom-lfs/objects"))
    let content = Data("stored elsewhere".utf8)
    let pointer = LFSPointer(
        oid: try #require(ContentDigest.compute(content, algorithm: "sha256")), size: Int64(content.count))
    #expect(
        store.path(for: pointer).hasSuffix(
            "/\(pointer.oid.encoded.prefix(2))/\(pointer.oid.encoded.dropFirst(2).prefix(2))/\(pointer.oid.encoded)"))
    if case .missing = store.read(pointer, limit: 100) {} else { Issue.record("absent object found") }
    try FileManager.default.createDirectory(
        atPath: (store.path(for: pointer) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try content.write(to: URL(fileURLWithPath: store.path(for: pointer)))
    if case .found(let data) = store.read(pointer, limit: 100) {
        #expect(data == content)
    } else {
        Issue.record("object not found")
    }
    if case .tooLarge = store.read(pointer, limit: 4) {} else { Issue.record("limit ignored") }
    try Data("stored elsewhexe".utf8).write(to: URL(fileURLWithPath: store.path(for: pointer)))
    if case .corrupt(let why) = store.read(pointer, limit: 100) {
        #expect(why.contains("git lfs fsck"))
    } else {
        Issue.record("corrupt object trusted")
    }
}

/// A manifest-shaped `manifest.json` with no skopeo `version`, and an image `index.json` with no `oci-layout`, committed
/// through Git LFS: their content is in the local store, so they are said to be skipped (`output-skipped`), as they are
/// when committed plainly, not left out in silence because the tree holds only pointers.
@Test func lfsTrackedManifestAndIndexThatAreNoOutputAreStillSaidToBeSkipped() throws {
    let fixture = try lfsFixture()
    let layout = MemoryLayout("deploy/app")
    let manifest = layout.manifest(config: layout.config(), layers: [layout.layer("x")], store: false)
    try fixture.git(["lfs", "track", "deploy/**"])
    try fixture.write("deploy/app/manifest.json", manifest.data)
    try fixture.write("deploy/half/index.json", layout.top([manifest.descriptor(MediaType.ociManifest)]).data)
    try fixture.commitAll()
    #expect(
        try fixture.git(["show", "HEAD:deploy/app/manifest.json"]).stdout.hasPrefix(
            "version https://git-lfs.github.com/spec/v1"))
    let repository = try GitRepository(discovering: fixture.path)
    let tree = try CommitSnapshot(repository: repository, commit: try repository.resolveCommit("HEAD")).rootTree
    let found = try OutputFinder(repository: repository).find(inTree: tree)
    #expect(found.outputs.isEmpty)
    #expect(found.skipped.map(\.path) == ["deploy/app/manifest.json", "deploy/half/index.json"], "\(found.skipped)")
    #expect(found.skipped.first?.reason.contains("no skopeo `version` file") == true)
    // Naming the directory in `images:` does not read it (a directory is a layout or a skopeo dir): the file is named.
    #expect(found.skipped.first?.reason.contains("name the file deploy/app/manifest.json, not its directory") == true)
}
