import GitAccess
import ImageModel

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The hook files in one hooks directory and the moves install/uninstall make; every step says what it did.
public struct HookFiles {
    public let directory: String
    var hook: String { directory.appendingPath("pre-push") }
    var kept: String { directory.appendingPath(HookScript.chainedName) }

    public init(directory: String) {
        self.directory = directory
    }

    /// The hooks directory of the repository around the current directory (`core.hooksPath` honoured).
    public static func forCurrentRepository(environment: [String: String]) throws -> HookFiles {
        do {
            let repository = try GitRepository(discovering: FileManager.default.currentDirectoryPath)
            return HookFiles(directory: try HookScript.hooksDirectory(repository, home: environment["HOME"]))
        } catch let error as GitError {
            throw Failure.config(error.message)
        }
    }

    private var manager: FileManager { .default }

    /// True when something (file, symlink, even a dangling one) sits at `path`.
    private func occupied(_ path: String) -> Bool {
        (try? manager.attributesOfItem(atPath: path)) != nil
    }

    public func install(force: Bool) throws -> [String] {
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure.config("cannot create the hooks directory \(directory): \(error)")
        }
        var messages: [String] = []
        if occupied(hook) {
            var isDirectory = false
            if manager.fileExists(atPath: hook, isDirectory: &isDirectory), isDirectory {
                throw Failure.config("\(hook) is a directory; remove it and run install again")
            }
            let current = manager.contents(atPath: hook) ?? Data()
            if HookScript.isOurs(current) {
                if current == Data(HookScript.text.utf8) {
                    return ["verify-layers: the pre-push hook is already installed in \(hook)"]
                }
                try writeHook()
                return ["verify-layers: updated the pre-push hook in \(hook)"]
            }
            if occupied(kept) {
                guard force else {
                    throw Failure.config(
                        """
                        \(hook) is another tool's hook and \(kept) already holds a kept hook; \
                        not overwriting either. Merge them by hand, or run `verify-layers install --force` to keep \
                        the current pre-push hook in place of the old kept one.
                        """)
                }
                try remove(kept)
                messages.append("verify-layers: replaced the previously kept hook \(kept) (--force)")
            }
            try move(hook, to: kept)
            messages.append(
                "verify-layers: kept the existing pre-push hook as \(kept); it runs first, with the same input")
        }
        try writeHook()
        messages.append("verify-layers: installed the pre-push hook in \(hook)")
        return messages
    }

    public func uninstall() throws -> [String] {
        guard occupied(hook) else { return ["verify-layers: no pre-push hook in \(directory); nothing to remove"] }
        guard HookScript.isOurs(manager.contents(atPath: hook) ?? Data()) else {
            return ["verify-layers: the pre-push hook in \(hook) is not verify-layers'; left it alone"]
        }
        try remove(hook)
        var messages = ["verify-layers: removed the pre-push hook from \(hook)"]
        if occupied(kept) {
            try move(kept, to: hook)
            messages.append("verify-layers: restored the previous pre-push hook from \(kept)")
        }
        return messages
    }

    /// Writes the script beside the hook and renames it in, so git never runs a half-written hook.
    private func writeHook() throws {
        let temporary = hook + ".verify-layers-tmp-\(getpid())"
        do {
            try Data(HookScript.text.utf8).write(to: URL(fileURLWithPath: temporary))
            try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: temporary)
            guard rename(temporary, hook) == 0 else { throw POSIXFailure(errno: errno) }
        } catch {
            try? manager.removeItem(atPath: temporary)
            throw Failure.config("cannot write \(hook): \(error)")
        }
    }

    private func move(_ from: String, to: String) throws {
        guard rename(from, to) == 0 else {
            throw Failure.config("cannot move \(from) to \(to): \(String(cString: strerror(errno)))")
        }
    }

    private func remove(_ path: String) throws {
        guard unlink(path) == 0 else {
            throw Failure.config("cannot remove \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// An errno from a POSIX call, with the system's message.
struct POSIXFailure: Error, LocalizedError {
    var errno: Int32
    var errorDescription: String? { String(cString: strerror(errno)) }
}
