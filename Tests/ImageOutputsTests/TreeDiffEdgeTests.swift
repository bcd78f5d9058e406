import Foundation
import GitAccess
import ImageModel
import TestSupport
import Testing

@testable import ImageOutputs

/// Edges of the per-commit diff that `pre-push` of a long branch relies on: a large directory where one entry changes
/// or entries shift, and a file replaced by a directory.
private func layoutFiles(_ dir: String, seed: String) -> [String: Data] {
    LayoutBuilder.files(
        at: dir, images: [FixtureImage(layers: [FixtureBlob.layer(seed)])], name: "public.ecr.aws/demo/app:\(seed)")
}

@Test func shiftedEntriesOfALargeDirectoryAreComparedByName() throws {
    let fixture = try GitFixture()
    for number in 0..<150 { try fixture.write("src/file\(number).txt", Data("\(number)".utf8)) }
    try fixture.write("src/zz.tar", Data("not really a tar".utf8))
    try fixture.write(layoutFiles("src/zimage", seed: "z"))
    #expect(try changed(fixture, try commitAll(fixture, "root")) == ["src/zimage", "src/zz.tar"])
    try fixture.write("src/file7.txt", Data("edited".utf8))
    #expect(try changed(fixture, try commitAll(fixture, "one edit")).isEmpty)
    // Removing and adding files moves every later entry to another index: still the same entries.
    try fixture.remove("src/file0.txt")
    try fixture.remove("src/file1.txt")
    try fixture.write("src/aaa.txt", Data("new".utf8))
    #expect(try changed(fixture, try commitAll(fixture, "entries shift")).isEmpty)
    try fixture.write("src/zz.tar", Data("another archive".utf8))
    try fixture.remove("src/file2.txt")
    #expect(try changed(fixture, try commitAll(fixture, "archive changes")) == ["src/zz.tar"])
}

@Test func fileReplacedByADirectoryIsReadAsAllNew() throws {
    let fixture = try GitFixture()
    try fixture.write("images/app.tar", Data("an archive at first".utf8))
    try fixture.write("images/thing", Data("a plain file".utf8))
    #expect(try changed(fixture, try commitAll(fixture, "files")) == ["images/app.tar"])
    try fixture.remove("images/app.tar")
    try fixture.write(layoutFiles("images/app.tar", seed: "dir"))
    #expect(try changed(fixture, try commitAll(fixture, "archive name now a layout")) == ["images/app.tar"])
    try fixture.remove("images/thing")
    try fixture.write(layoutFiles("images/thing", seed: "thing"))
    let globbed = try changed(fixture, try commitAll(fixture, "file now a layout"), manifestFiles: ["m/*.json"])
    #expect(globbed == ["images/thing"])
}

@Test func rangeOfManyCommitsFindsEveryIntroducedVersionOnce() throws {
    let fixture = try GitFixture()
    try fixture.write("README.md", Data("start".utf8))
    let start = try commitAll(fixture, "start")
    // The very files of commit 1, written again at commit 10.
    let first = layoutFiles("images/app1", seed: "s1")
    for number in 0..<12 {
        try fixture.write("src/file\(number % 5).txt", Data("change \(number)".utf8))
        if number == 1 { try fixture.write(first) }
        if number == 5 || number == 9 { try fixture.write(layoutFiles("images/app\(number)", seed: "s\(number)")) }
        if number == 6 {
            try fixture.remove("images/app1")
            try fixture.write(layoutFiles("images/app1", seed: "s1-changed"))
        }
        if number == 10 {
            try fixture.remove("images/app1")
            try fixture.write(first)
        }
        _ = try commitAll(fixture, "commit \(number)")
    }
    let tip = try #require(
        ObjectID(hex: try fixture.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
    let repository = try GitRepository(discovering: fixture.path)
    let imageScanner = ImageScanner(repository: repository, resolver: RepositoryResolver())
    // Diffed in one pass, and in two halves at once (as a range of thousands of commits is): the same versions.
    for splitAbove in [RangeDiff.defaultSplitAbove, 2] {
        let scanner = RangeScanner(repository: repository)
        scanner.splitAbove = splitAbove
        let changes = try scanner.changes(tips: [tip], hidden: [start], scanner: imageScanner)
        #expect(scanner.commitsScanned == 12)
        let versions = try changes.versions.map { "\($0.output.path)@\(try repository.commitSubject($0.commit))" }
        // app1 changed at commit 6 and reverted at 10: the revert brings no new version.
        #expect(
            versions == [
                "images/app1@commit 1", "images/app5@commit 5", "images/app1@commit 6", "images/app9@commit 9",
            ])
    }
}
