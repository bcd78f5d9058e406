import Foundation
import TestSupport
import Testing

/// Two stand-ins for libcurl.so.4, put first on the library path: one that aborts the process when it is loaded, and
/// one that cannot be loaded (it needs a library that does not exist).
private final class FakeLibcurl {
    let directory: TemporaryDirectory
    var aborts: String { directory.path + "/aborts" }
    var unloadable: String { directory.path + "/unloadable" }

    init() throws {
        directory = try TemporaryDirectory(prefix: "vl-fake-curl")
        let root = directory.path
        try FileManager.default.createDirectory(atPath: aborts, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: unloadable, withIntermediateDirectories: true)
        try Data("#include <stdlib.h>\n__attribute__((constructor)) static void refuse(void) { abort(); }\n".utf8)
            .write(to: URL(fileURLWithPath: root + "/aborts.c"))
        try Data("int vl_absent;\n".utf8).write(to: URL(fileURLWithPath: root + "/absent.c"))
        try Self.compile(["-o", aborts + "/libcurl.so.4", root + "/aborts.c"])
        try Self.compile(["-Wl,-soname,libvl-absent.so.1", "-o", root + "/libvl-absent.so.1", root + "/absent.c"])
        try Self.compile([
            "-Wl,--no-as-needed", "-o", unloadable + "/libcurl.so.4", root + "/absent.c",
            root + "/libvl-absent.so.1",
        ])
        try FileManager.default.removeItem(atPath: root + "/libvl-absent.so.1")
    }

    private static func compile(_ arguments: [String]) throws {
        let result = try Shell.run(["cc", "-shared", "-fPIC"] + arguments)
        guard result.status == 0 else { throw ShellError("cc failed: \(result.combined)") }
    }
}

/// libcurl.so.4 is loaded on first use (Sources/CCurl/shim.c): what needs no network never loads it, and a run that
/// needs it and cannot load it says what is missing and exits 69 (SPEC §2), never crashes.
@Suite struct LibcurlLoadingTests {
    @Test func commandsThatNeedNoNetworkNeverLoadLibcurl() throws {
        let fake = try FakeLibcurl()
        let scenario = try AWSScenario()
        let environment = scenario.staticKeys.merging(["LD_LIBRARY_PATH": fake.aborts]) { $1 }
        let old = try scenario.repo.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try scenario.repo.write("README.md", Data("notes".utf8))
        let new = try scenario.repo.commitAll("README only")
        let push = "refs/heads/main \(new) refs/heads/main \(old)\n"
        for arguments in [["--version"], ["--help"], ["list"], ["install"], ["uninstall"]] {
            let result = try scenario.run(arguments, environment)
            #expect(result.status == 0, "\(arguments): \(result.combined)")
        }
        let prePush = try scenario.run(
            ["pre-push", "origin", "https://example.invalid/repo.git"], environment,
            stdin: push)
        #expect(prePush.status == 0, "\(prePush.combined)")
        // The fake does abort a run that loads it: a check must.
        let check = try scenario.run(["check"], environment)
        #expect(check.status != 0 && check.status != 1 && check.status != 69, "\(check.status): \(check.combined)")
    }

    @Test func aCheckWithoutALoadableLibcurlExits69SayingWhatToInstall() throws {
        let fake = try FakeLibcurl()
        let scenario = try AWSScenario()
        let environment = ["LD_LIBRARY_PATH": fake.unloadable]
        for (name, extra) in [("api", scenario.staticKeys), ("registry", [:])] {
            let result = try scenario.run(["check"], environment.merging(extra) { $1 })
            #expect(result.status == 69, "\(name): \(result.combined)")
            #expect(result.combined.contains("cannot load libcurl.so.4"), "\(name): \(result.combined)")
            #expect(result.combined.contains("libcurl4t64") && result.combined.contains("dnf install libcurl"))
        }
        let warned = try scenario.run(["check", "--on-error", "warn"], environment.merging(scenario.staticKeys) { $1 })
        #expect(warned.status == 0, "--on-error warn turns 69 into 0: \(warned.combined)")
        #expect(warned.combined.contains("cannot load libcurl.so.4"))
        let version = try scenario.run(["--version", "--verbose"], environment)
        #expect(version.status == 0, "\(version.combined)")
        #expect(version.stdout.contains("libcurl not available: cannot load libcurl.so.4"), "\(version.stdout)")
        #expect(try scenario.calls().isEmpty, "nothing reached the service")
    }
}
