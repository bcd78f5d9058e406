import Foundation
import TestSupport
import Testing

/// Terminal sessions recorded with tmux (send-keys, capture-pane): what a person sees at the moment of failure on a real
/// terminal — colours, hints, one run-wide error, progress on a slow service — and the same commands piped, with no
/// colour and no progress. Captures are normalised (commit ids, temporary paths, timings) and compared with golden files
/// in Tests/golden-terminal/ (`UPDATE_GOLDEN=1` rewrites them).
@Suite(.serialized, .enabled(if: Tmux.isInstalled, "tmux is not installed (apt-get install tmux)"))
struct TerminalSessionTests {
    static let goldenDirectory = PackagePaths.root + "/Tests/golden-terminal"

    /// One private tmux server (its own socket) running an interactive bash in `directory`.
    final class Session {
        let socket = "vl-test-\(UUID().uuidString.prefix(8))"
        let name = "s"

        init(directory: String, environment: [String: String]) throws {
            var environment = environment
            environment.removeValue(forKey: "NO_COLOR")
            environment.removeValue(forKey: "TMUX")
            environment["PS1"] = "$ "
            environment["TERM"] = "xterm-256color"
            // The server outlives the client: started through Python (close_fds) so it holds none of our descriptors,
            // or Foundation's Process would wait for it to exit.
            let launcher =
                "import subprocess, sys; d = subprocess.DEVNULL; sys.exit(subprocess.run(sys.argv[1:], stdin=d, stdout=d, stderr=d).returncode)"
            let started = try Shell.run(
                [
                    "python3", "-c", launcher, "tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", name,
                    "-x", "160", "-y", "60", "-c", directory, "bash --norc --noprofile",
                ], environment: environment, timeout: 30)
            guard started.status == 0 else { throw ShellError("tmux did not start: \(started.combined)") }
            // A plain prompt, then a clean screen and history: the capture starts at the first command.
            try type("PS1='$ '; clear; echo READY\\=1")
            try wait(for: "READY=1")
            _ = try Shell.run(["tmux", "-L", socket, "clear-history", "-t", name])
            try type("clear")
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, try capture().contains("READY") { Thread.sleep(forTimeInterval: 0.02) }
            _ = try Shell.run(["tmux", "-L", socket, "clear-history", "-t", name])
        }

        deinit {
            _ = try? Shell.run(["tmux", "-L", socket, "kill-server"])
        }

        func type(_ line: String) throws {
            _ = try Shell.run(["tmux", "-L", socket, "send-keys", "-t", name, "-l", line])
            _ = try Shell.run(["tmux", "-L", socket, "send-keys", "-t", name, "Enter"])
        }

        /// The pane's text (with SGR escapes when `escapes`), joined lines, trailing blanks dropped.
        func capture(escapes: Bool = false) throws -> String {
            var arguments = ["tmux", "-L", socket, "capture-pane", "-p", "-J", "-S", "-", "-t", name]
            if escapes { arguments.insert("-e", at: 4) }
            let text = try Shell.run(arguments).stdout
            return text.split(separator: "\n", omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
            }
            .joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
        }

        /// Waits until the screen shows `marker` (or times out), returning the capture.
        @discardableResult
        func wait(for marker: String, escapes: Bool = false, timeout: TimeInterval = 60) throws -> String {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                let text = try capture(escapes: escapes)
                if text.contains(marker) { return text }
                Thread.sleep(forTimeInterval: 0.05)
            }
            throw ShellError("the screen never showed \(marker.debugDescription):\n\(try capture())")
        }

        /// Waits until the screen shows `marker` followed by bash's next prompt (the line has finished and the shell has
        /// drawn its prompt: a capture taken between the two would miss the prompt), returning the capture.
        @discardableResult
        func waitForPrompt(after marker: String, escapes: Bool = false) throws -> String {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let text = try capture(escapes: escapes)
                if let found = text.range(of: marker, options: .backwards), text[found.upperBound...].contains("\n$\n")
                {
                    return text
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            throw ShellError("the screen never showed \(marker.debugDescription) and a prompt:\n\(try capture())")
        }

        /// Runs one command line and waits for its `EXIT=n` marker and the prompt after it: the first command's status
        /// (typed as `EXIT\=`, so only the output matches).
        func run(_ line: String, marker: String) throws {
            try type(line + "; echo \(marker)\\=${PIPESTATUS[0]}")
            try waitForPrompt(after: "\(marker)=")
        }
    }

    /// Fixture digests, commit ids, temporary paths and timings vary per run; escapes are made visible.
    static func normalise(_ text: String, repo: String) -> String {
        var out = text.replacingOccurrences(of: repo, with: "<repo>")
        let rules: [(String, String)] = [
            ("/tmp/vl-[A-Za-z0-9-]+", "<tmp>"),
            ("\\b[0-9a-f]{64}\\b", "<hex>"),
            ("\\b[0-9a-f]{40}\\b", "<commit>"),
            ("check [0-9a-f]{7}\\b", "check <short>"),
            ("\\b[0-9a-f]{7}\\.\\.[0-9a-f]{7}\\b", "<range>"),
            ("in [0-9]+\\.[0-9]{2}s", "in <t>s"),
            ("· [0-9]+\\.[0-9]s", "· <t>s"),
            ("127\\.0\\.0\\.1:[0-9]+", "127.0.0.1:<port>"),
            ("\\(HEAD [0-9a-f]{12}\\)", "(HEAD <short>)"),
        ]
        for (pattern, replacement) in rules {
            out = out.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return out.replacingOccurrences(of: "\u{1B}", with: "\\e")
    }

    static func golden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = goldenDirectory + "/" + name
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(atPath: goldenDirectory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == expected, "\(name) differs from its golden file:\n\(text)", sourceLocation: sourceLocation)
    }

    private func fixture(latencyMs: Int = 0, publish: Bool, via: String? = nil) throws -> (PushFixture, TestImage) {
        let image = TestImage("images/app", seed: "term", layers: 2)
        let push = try PushFixture(layers: publish ? image.blobs : [:], latencyMs: latencyMs)
        if let via {
            try push.repo.write(".verify-layers.yml", Data("registry: demo\ncache-ttl: 0\nvia: \(via)\n".utf8))
        }
        try image.write(into: push.repo)
        try push.repo.commitAll("add the app image")
        return (push, image)
    }

    private func environment(_ push: PushFixture, _ extra: [String: String] = [:]) -> [String: String] {
        GitFixture.baseEnvironment.merging(push.environment) { $1 }.merging(extra) { $1 }
    }

    @Test func blockedPushOnATerminalAndPiped() throws {
        let (push, _) = try fixture(publish: false)
        let session = try Session(directory: push.repo.path, environment: environment(push))
        try session.run("git push origin main", marker: "EXIT")
        let tty = try session.capture(escapes: true)
        #expect(tty.contains("\u{1B}[31m") || tty.contains("\u{1B}[31;"), "colours on a terminal:\n\(tty)")
        #expect(tty.contains("hint:"))
        #expect(tty.contains("EXIT=1"))
        try Self.golden(Self.normalise(tty, repo: push.repo.path), "blocked-push.tty.txt")

        let pipedSession = try Session(directory: push.repo.path, environment: environment(push))
        try pipedSession.run("git push origin main 2>&1 | cat", marker: "PIPED")
        let piped = try pipedSession.capture(escapes: true)
        #expect(!piped.contains("\u{1B}["), "no colour when piped:\n\(piped)")
        #expect(piped.contains("hint:   skopeo copy oci:images/app docker://public.ecr.aws/demo/app:term"))
        try Self.golden(Self.normalise(piped, repo: push.repo.path), "blocked-push.piped.txt")
    }

    @Test func pushWithNoCredentialsSaysOneErrorAndOneFix() throws {
        // An organisation that asks the API (`via: api`): without credentials nothing can be asked.
        let (push, _) = try fixture(publish: true, via: "api")
        var env = environment(push)
        for key in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] { env.removeValue(forKey: key) }
        let home = try TemporaryDirectory(prefix: "vl-home")
        env["HOME"] = home.path
        let session = try Session(directory: push.repo.path, environment: env)
        try session.run("git push origin main", marker: "EXIT")
        let tty = try session.capture(escapes: true)
        #expect(tty.components(separatedBy: "no AWS credentials found").count == 2, "one error:\n\(tty)")
        #expect(tty.components(separatedBy: "fix:").count == 2, "one fix:\n\(tty)")
        #expect(tty.contains("EXIT=1"), "git reports the hook's failure")
        try Self.golden(Self.normalise(tty, repo: push.repo.path), "no-credentials.tty.txt")

        let pipedSession = try Session(directory: push.repo.path, environment: env)
        try pipedSession.run("git push origin main 2>&1 | cat", marker: "PIPED")
        let piped = try pipedSession.capture(escapes: true)
        #expect(!piped.contains("\u{1B}["), "\(piped)")
        try Self.golden(Self.normalise(piped, repo: push.repo.path), "no-credentials.piped.txt")
    }

    @Test func progressOnASlowServiceOnlyOnATerminal() throws {
        let (push, _) = try fixture(latencyMs: 2500, publish: true)
        let session = try Session(directory: push.repo.path, environment: environment(push))
        try session.type("verify-layers check; echo EXIT\\=$?")
        let during = try session.wait(for: "verify-layers: checked ")
        #expect(during.contains("checked 0/3 blobs in 0/1 repositories · "), "\(during)")
        let frame =
            during.split(separator: "\n").filter { $0.contains("verify-layers: checked") }.map(String.init).joined(
                separator: "\n") + "\n"
        try Self.golden(Self.normalise(frame, repo: push.repo.path), "progress.frame.txt")
        let after = try session.waitForPrompt(after: "EXIT=")
        #expect(!after.contains("verify-layers: checked"), "the progress line is cleared:\n\(after)")
        try Self.golden(Self.normalise(after, repo: push.repo.path), "progress.tty.txt")

        let pipedSession = try Session(directory: push.repo.path, environment: environment(push))
        try pipedSession.run("verify-layers check 2>&1 | cat", marker: "PIPED")
        let piped = try pipedSession.capture(escapes: true)
        #expect(!piped.contains("checked 0/"), "no progress when piped:\n\(piped)")
        #expect(!piped.contains("\u{1B}["))
        try Self.golden(Self.normalise(piped, repo: push.repo.path), "progress.piped.txt")
    }
}

/// Whether the `tmux` Debian package is installed (the terminal sessions need it).
enum Tmux {
    static var isInstalled: Bool { (try? Shell.run(["sh", "-c", "command -v tmux"]).status) == 0 }
}
