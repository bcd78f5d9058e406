import ImageModel

/// Which command produced the report: decides whether the hints offer a push bypass (only a hook can be bypassed).
public struct HintContext: Sendable, Equatable {
    public enum Command: String, Sendable {
        case prePush = "pre-push"
        case check
        case ci
    }

    public var command: Command

    public init(command: Command) {
        self.command = command
    }
}

/// The `hint:` lines after a failed check, as git prints them: how to publish each image from the committed output (the
/// exact skopeo command), how to bypass the hook once, and how to re-check. Built only from the report, so golden-testable.
public enum PublishHints {
    public static func lines(_ report: RunReport, context: HintContext) -> [String] {
        guard report.summary.exitCode != 0 else { return [] }
        var commands: [String] = []
        var manual: [String] = []
        var seen = Set<String>()
        for image in report.images where image.tally.unavailable > 0 {
            let multiPlatform =
                !image.indexDigests.isEmpty
                && report.images.filter {
                    $0.path == image.path && $0.refName == image.refName && $0.commit == image.commit
                }.count > 1
            guard let command = publishCommand(image, all: multiPlatform) else {
                if seen.insert("manual\u{0}" + image.path).inserted {
                    manual.append(
                        "push the image that \(TerminalText.sanitize(image.path)) describes to \(TerminalText.sanitize(image.repository ?? "its repository")) (no skopeo transport reads a standalone manifest)"
                    )
                }
                continue
            }
            if seen.insert(command).inserted { commands.append(command) }
        }
        var out: [String] = []
        if !commands.isEmpty || !manual.isEmpty {
            out.append(
                "publish the missing blobs from the committed output\(commands.count + manual.count == 1 ? "" : "s"), then try again:"
            )
            out += commands.map { "  " + $0 }
            out += manual.map { "  " + $0 }
        }
        out += createRepository(report.findings)
        let commits = orderedUnique(
            report.images.filter { $0.errors > 0 }.map(\.commit)
                + report.findings.filter { $0.severity == .error }.map(\.commit)
        )
        .filter { !$0.isEmpty }
        if context.command == .prePush {
            out.append("to push without this check once: git push --no-verify (or VERIFY_LAYERS_SKIP=1 git push)")
        }
        if let commit = commits.first {
            out.append("to check again: verify-layers check \(String(commit.prefix(7)))")
        }
        return out
    }

    /// For each repository that does not exist (`repository-not-found`): the command that creates it in the caller's own
    /// registry (ECR Public's API is in us-east-1), or the way to find a misspelt name.
    static func createRepository(_ findings: [Finding]) -> [String] {
        let missing = orderedUnique(
            findings.filter { $0.rule == .repositoryNotFound && $0.severity == .error }.compactMap(\.repository))
        guard !missing.isEmpty else { return [] }
        var out = [
            "create the missing repositor\(missing.count == 1 ? "y" : "ies") (or correct the image name or `images:` mapping; `verify-layers list` shows it):"
        ]
        for repository in missing {
            // `public.ecr.aws/<alias>/<name>`: the name is everything after the alias.
            let parts = repository.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
            let name = parts.count == 3 && parts[0] == "public.ecr.aws" ? String(parts[2]) : repository
            out.append(
                "  aws ecr-public create-repository --repository-name \(quote(name)) --region us-east-1")
        }
        return out
    }

    /// `skopeo copy [--all] <transport>:<path>[:<ref>] docker://public.ecr.aws/<alias>/<repo>:<tag>`, or nil when no skopeo
    /// transport reads this kind of output or the destination is unknown.
    static func publishCommand(_ image: ImageResult, all: Bool) -> String? {
        guard let repository = image.repository, repository.hasPrefix("public.ecr.aws/") else { return nil }
        let tag = tag(of: image) ?? "latest"
        let source: String
        var prefix = ""
        switch image.outputKind {
        case "oci-layout"?: source = "oci:" + image.path + (image.refName.map { ":" + $0 } ?? "")
        case "oci-archive"?: source = "oci-archive:" + image.path + (image.refName.map { ":" + $0 } ?? "")
        case "docker-archive"?:
            // skopeo reads a gzip-compressed OCI archive but not a compressed docker archive: decompress it first.
            var archive = image.path
            if let plain = decompressedName(image.path) {
                prefix = "gzip -dc \(quote(image.path)) > \(quote(plain)) && "
                archive = plain
            }
            source = "docker-archive:" + archive + (image.name.map { ":" + $0 } ?? "")
        case "skopeo-dir"?: source = "dir:" + image.path
        default: return nil
        }
        let words =
            ["skopeo", "copy"] + (all ? ["--all"] : []) + [quote(source), quote("docker://\(repository):\(tag)")]
        return prefix + words.joined(separator: " ")
    }

    /// `build/app.tar.gz` → `/tmp/app.tar`, `app.tgz` → `/tmp/app.tar`: where a compressed docker archive is
    /// decompressed to (outside the repository), or nil when the name says it is not compressed.
    static func decompressedName(_ path: String) -> String? {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        if base.hasSuffix(".tgz") { return "/tmp/" + base.dropLast(4) + ".tar" }
        if base.hasSuffix(".gz") { return "/tmp/" + base.dropLast(3) }
        return nil
    }

    /// The tag the image is published under: the reference's tag, else the ref name when it is a plain tag.
    static func tag(of image: ImageResult) -> String? {
        if let name = image.name, let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") {
            let tag = String(name[name.index(after: colon)...])
            if !tag.isEmpty && !tag.contains("@") { return tag }
        }
        if let ref = image.refName, !ref.isEmpty, ref.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }),
            ref.count <= 128
        {
            return ref
        }
        return nil
    }

    /// Shell-quotes a word only when it needs it, and makes it safe to print (control characters escaped).
    static func quote(_ word: String) -> String {
        let safe = TerminalText.sanitize(word)
        let plain = safe.allSatisfy { $0.isLetter || $0.isNumber || "@%+=:,./-_".contains($0) }
        if plain && !safe.isEmpty { return safe }
        return "'" + safe.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    private static func orderedUnique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }
}
