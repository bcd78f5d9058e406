import Foundation
import TestSupport
import Testing

/// One run of a repository where images share blobs, written in every format: the images that fail are the same in text,
/// json, junit, github (annotations and step summary), gitlab and sarif, and no failing image is shown as ok anywhere.
@Suite(.serialized) struct ReportAgreementTests {
    /// Reads each format with an independent reader (Python) and prints the labels of the images that fail, one per line.
    static let failingImages = #"""
        import json, re, sys, xml.etree.ElementTree as ET
        kind, path = sys.argv[1], sys.argv[2]
        text = open(path).read()
        out = set()
        def owners(message):
            return message.split(": ", 1)[0].split("; ")
        if kind == "text":
            lines = [l for l in text.rstrip("\n").split("\n") if not l.startswith("hint:")][:-1]
            out = {l for l in lines if not l.startswith(" ") and ": ok," not in l}
        elif kind == "json":
            out = {i["label"] for i in json.loads(text)["images"] if i["errors"] > 0}
        elif kind == "junit":
            root = ET.fromstring(text)
            out = {c.get("name") for c in root.iter("testcase") if c.find("failure") is not None or c.find("error") is not None}
        elif kind == "summary":
            for row in text.split("\n"):
                cells = [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]
                if len(cells) == 5 and "error" in cells[4]:
                    out.add(re.sub(r"\\(.)", r"\1", cells[0]))
        elif kind == "annotations":
            for line in text.split("\n"):
                if line.startswith("::error "):
                    message = line.split("::", 2)[2].split("%0A", 1)[0]
                    out.update(owners(message.replace("%25", "%")))
        elif kind == "gitlab":
            for issue in json.loads(text):
                if issue["severity"] == "major":
                    out.update(owners(issue["description"]))
        elif kind == "sarif":
            for result in json.loads(text)["runs"][0]["results"]:
                if result["level"] == "error":
                    out.update(owners(result["message"]["text"]))
        print("\n".join(sorted(out)))
        """#

    static func failing(_ kind: String, _ file: String) throws -> [String] {
        let result = try Shell.run(["python3", "-c", failingImages, kind, file], timeout: 30)
        #expect(result.status == 0, "\(kind): \(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test func aSharedMissingLayerFailsEveryImageThatUsesItInEveryFormat() throws {
        let repo = try GitFixture()
        // One manifest under two tags, and a second image built on the same base layer.
        let base = try repo.umociImage(at: "build/oci/multi", tag: "v1", files: ["base.txt": "base"])
        try Shell.run(["umoci", "tag", "--image", repo.path + "/build/oci/multi:v1", "v2"])
        try Shell.run(["cp", "-r", repo.path + "/build/oci/multi", repo.path + "/build/oci/app"])
        try Shell.run(["umoci", "rm", "--image", repo.path + "/build/oci/app:v2"])
        let bundle = try TemporaryDirectory(prefix: "vl-agree")
        try Shell.run(["umoci", "unpack", "--rootless", "--image", repo.path + "/build/oci/app:v1", bundle.path + "/b"])
        try Data("app".utf8).write(to: URL(fileURLWithPath: bundle.path + "/b/rootfs/app.txt"))
        try Shell.run(["umoci", "repack", "--image", repo.path + "/build/oci/app:v1", bundle.path + "/b"])
        let app = try repo.layoutDigests("build/oci/app")
        #expect(app.layers.count == 2 && app.layers[0] == base.layers[0])
        let web = try repo.umociImage(at: "build/oci/web", files: ["index.html": "web"])
        try repo.annotateName("build/oci/multi", name: "public.ecr.aws/demo/app")
        try repo.annotateName("build/oci/app", name: "public.ecr.aws/demo/app")
        try repo.annotateName("build/oci/web", name: "public.ecr.aws/demo/web:1")
        try repo.commitAll("images")

        // The shared base layer is missing; everything else is there.
        var present: [String: Int64] = [:]
        for digest in [base.config, app.config, app.layers[1]] {
            present[digest] = repo.blobSize("build/oci/app", digest)
        }
        var webBlobs: [String: Int64] = [:]
        for digest in [web.config] + web.layers { webBlobs[digest] = repo.blobSize("build/oci/web", digest) }
        let emulator = try Emulator(repositories: ["app": present, "web": webBlobs])
        let out = try TemporaryDirectory(prefix: "vl-agree-out")
        let files = out.path
        let text = try repo.verifyLayers(
            [
                "check", "--format", "text", "--color", "never", "--report", "json=\(files)/r.json", "--report",
                "junit=\(files)/r.xml",
                "--report", "gitlab=\(files)/gl.json", "--report", "sarif=\(files)/r.sarif",
            ],
            environment: emulator.environment)
        #expect(text.status == 1, "stderr: \(text.stderr)")
        try Data(text.stdout.utf8).write(to: URL(fileURLWithPath: files + "/r.txt"))
        let github = try repo.verifyLayers(
            ["check", "--format", "github"],
            environment: emulator.environment.merging(["GITHUB_STEP_SUMMARY": files + "/summary.md"]) { $1 })
        #expect(github.status == 1)
        try Data(github.stdout.utf8).write(to: URL(fileURLWithPath: files + "/annotations.txt"))

        let expected = [
            "build/oci/app (public.ecr.aws/demo/app, v1, linux/amd64)",
            "build/oci/multi (public.ecr.aws/demo/app, v1, linux/amd64)",
            "build/oci/multi (public.ecr.aws/demo/app, v2, linux/amd64)",
        ]
        #expect(try Self.failing("text", files + "/r.txt") == expected, "text:\n\(text.stdout)")
        for (kind, file) in [
            ("json", "r.json"), ("junit", "r.xml"), ("summary", "summary.md"), ("annotations", "annotations.txt"),
            ("gitlab", "gl.json"), ("sarif", "r.sarif"),
        ] {
            #expect(try Self.failing(kind, files + "/" + file) == expected, "\(kind) disagrees with text")
        }
        #expect(text.stdout.contains("build/oci/web (public.ecr.aws/demo/web:1, linux/amd64): ok, 2 blobs available"))
        #expect(text.stdout.contains("\n4 images, 6 blobs (5 available, 1 unavailable) in "))

        // With no report that shows blob rows, the run judges each repository early and keeps only counts (#16): its
        // text says exactly what the run that kept rows for its JSON report said.
        let textOnly = try repo.verifyLayers(["check", "--color", "never"], environment: emulator.environment)
        #expect(textOnly.status == 1)
        let timing = #/ in [0-9.]+s/#
        #expect(
            textOnly.stdout.replacing(timing, with: " in Ns") == text.stdout.replacing(timing, with: " in Ns"),
            "text alone:\n\(textOnly.stdout)")
    }

    @Test func aFindingFromAnEarlierCommitNamesItAndSaysThePathIsGone() throws {
        let repo = try GitFixture()
        try repo.write("README", Data("x".utf8))
        let base = try repo.commitAll("start")
        let image = try repo.umociImage(at: "build/oci/old", files: ["a.txt": "a"])
        try repo.annotateName("build/oci/old", name: "public.ecr.aws/demo/app:1")
        let added = try repo.commitAll("Add the old image")
        let configSize = repo.blobSize("build/oci/old", image.config)
        try repo.git(["rm", "-rq", "build/oci/old"])
        try repo.commitAll("Remove it again")
        let emulator = try Emulator(repositories: ["app": [image.config: configSize]])
        let out = try TemporaryDirectory(prefix: "vl-commit-out")
        let result = try repo.verifyLayers(
            ["check", "--range", "\(base)..HEAD", "--report", "junit=\(out.path)/r.xml"],
            environment: emulator.environment)
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let short = String(added.prefix(12))
        let note =
            "from commit \(short) \"Add the old image\" (build/oci/old no longer exists at the tip); reproduce with `verify-layers check \(short)`"
        #expect(
            result.stdout.contains("build/oci/old (public.ecr.aws/demo/app:1, linux/amd64)\n  " + note + "\n"),
            "\(result.stdout)")
        let junit = try String(contentsOfFile: out.path + "/r.xml", encoding: .utf8)
        #expect(junit.contains(note.replacingOccurrences(of: "\"", with: "&quot;")) || junit.contains(note))
        let github = try repo.verifyLayers(
            ["check", "--range", "\(base)..HEAD", "--format", "github"],
            environment: emulator.environment.merging(["GITHUB_STEP_SUMMARY": out.path + "/s.md"]) { $1 })
        #expect(github.status == 1)
        let summary = try String(contentsOfFile: out.path + "/s.md", encoding: .utf8)
        #expect(
            summary.contains(
                "from commit \(short) \\\"Add the old image\\\" \\(build/oci/old no longer exists at the tip\\)"),
            "\(summary)")
        // The tip's own findings carry no note.
        let tip = try repo.verifyLayers(["check", added], environment: emulator.environment)
        #expect(tip.status == 1 && !tip.stdout.contains("from commit"), "\(tip.stdout)")
    }

    @Test func aWrongRegistryFailsEveryImageAndNoneIsShownOk() throws {
        let repo = try GitFixture()
        _ = try repo.umociImage(at: "build/oci/a", files: ["a.txt": "a"])
        _ = try repo.umociImage(at: "build/oci/b", files: ["b.txt": "b"])
        try repo.annotateName("build/oci/a", name: "public.ecr.aws/demo/alpha:1")
        try repo.annotateName("build/oci/b", name: "public.ecr.aws/demo/beta:1")
        try repo.commitAll("images")
        let emulator = try Emulator(repositories: ["alpha": [:], "beta": [:]])
        let out = try TemporaryDirectory(prefix: "vl-wrong-registry")
        let result = try repo.verifyLayers(
            ["check", "--registry-id", "nosuchalias", "--report", "junit=\(out.path)/r.xml"],
            environment: emulator.environment)
        #expect(result.status == 1, "\(result.combined)")
        #expect(!result.stdout.contains(": ok"), "\(result.stdout)")
        for image in [
            "build/oci/a (public.ecr.aws/demo/alpha:1, linux/amd64)",
            "build/oci/b (public.ecr.aws/demo/beta:1, linux/amd64)",
        ] {
            #expect(result.stdout.contains(image + "\n  error: "), "\(result.stdout)")
        }
        #expect(try Self.failing("junit", out.path + "/r.xml").count == 2)
    }
}
