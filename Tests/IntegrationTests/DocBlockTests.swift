import Foundation
import TestSupport
import Testing

/// Every fenced block marked ```` ```sh runnable ```` (optionally `exit=N`) in README.md and docs/*.md runs, as written,
/// in a fresh repository with a committed image, a bare `origin`, and the ECR Public emulator holding every blob: the
/// documented commands cannot rot.
@Suite struct DocBlockTests {
    struct Block: CustomStringConvertible, Sendable {
        var file: String
        var line: Int
        var script: String
        var exitCode: Int32

        var description: String { "\(file):\(line)" }
    }

    static let documents: [String] = {
        let docs = (try? FileManager.default.contentsOfDirectory(atPath: PackagePaths.root + "/docs")) ?? []
        return ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
    }()

    /// The runnable blocks of one Markdown file.
    static func blocks(in file: String) -> [Block] {
        guard let text = try? String(contentsOfFile: PackagePaths.root + "/" + file, encoding: .utf8) else { return [] }
        var blocks: [Block] = []
        var current: Block?
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if var block = current {
                if trimmed == "```" {
                    blocks.append(block)
                    current = nil
                } else {
                    block.script += line + "\n"
                    current = block
                }
                continue
            }
            guard trimmed.hasPrefix("```") else { continue }
            let info = trimmed.dropFirst(3).split(separator: " ").map(String.init)
            guard info.first == "sh", info.contains("runnable") else {
                if !trimmed.dropFirst(3).isEmpty { current = nil }
                continue
            }
            let code = info.first { $0.hasPrefix("exit=") }.flatMap { Int32($0.dropFirst(5)) } ?? 0
            current = Block(file: file, line: number + 1, script: "", exitCode: code)
        }
        return blocks
    }

    static var allBlocks: [Block] { documents.flatMap(blocks(in:)) }

    @Test func theDocsHaveRunnableBlocksInEveryGuide() {
        let files = Set(Self.allBlocks.map(\.file))
        for file in [
            "README.md", "docs/hooks.md", "docs/ci.md", "docs/configuration.md", "docs/credentials.md",
            "docs/troubleshooting.md",
            "docs/exit-codes.md",
        ] {
            #expect(files.contains(file), "\(file) has no ```sh runnable block")
        }
        #expect(Self.allBlocks.count >= 10)
    }

    @Test(arguments: DocBlockTests.allBlocks)
    func runnableBlockRunsAsDocumented(_ block: Block) throws {
        let image = TestImage("images/app", seed: "docs", layers: 2)
        let push = try PushFixture(layers: image.blobs, installHook: false)
        try image.write(into: push.repo)
        try push.repo.commitAll("image and config")
        try push.repo.git(["config", "push.autoSetupRemote", "true"])
        let home = try TemporaryDirectory(prefix: "vl-doc-home")
        let environment = GitFixture.baseEnvironment.merging(push.environment) { $1 }.merging([
            "HOME": home.path, "AWS_ACCESS_KEY_ID": Emulator.accessKey, "AWS_SECRET_ACCESS_KEY": Emulator.secretKey,
        ]) { $1 }
        let result = try Shell.run(
            ["bash", "-e", "-o", "pipefail", "-c", block.script], cwd: push.repo.path, environment: environment,
            timeout: 120)
        #expect(
            result.status == block.exitCode,
            "\(block) exited \(result.status), documented \(block.exitCode):\n\(block.script)\n\(result.combined)")
        #expect(!result.combined.contains("command not found"), "\(block): \(result.combined)")
    }
}
