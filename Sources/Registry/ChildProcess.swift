#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a helper program without a shell and collects its output: `posix_spawn` plus one `poll` loop, because
/// Foundation's `Process` lives outside FoundationEssentials (and would bring ICU into the static binary).
struct ChildProcess {
    struct Outcome {
        /// The exit code, or the signal number when a signal ended it (as Foundation's `terminationStatus`).
        var status: Int32
        var output: [UInt8]
        var errorOutput: [UInt8]
        /// stdout went past the limit (what was read beyond it is dropped).
        var overflowed: Bool
    }

    enum Failure: Error {
        case cannotStart(String)
        case timedOut
    }

    let executable: String
    let arguments: [String]
    let environment: [String: String]

    /// Runs to completion within `limit` seconds; on expiry SIGTERM, then SIGKILL a second later, and `.timedOut`
    /// without waiting for the pipes (a grandchild may hold them open for as long as it likes).
    func run(limit: Double, maxOutput: Int) throws -> Outcome {
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0 else { throw Failure.cannotStart(Self.errnoText()) }
        guard pipe(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            throw Failure.cannotStart(Self.errnoText())
        }
        let pid: pid_t
        do {
            pid = try spawn(stdout: outPipe[1], stderr: errPipe[1], closing: [outPipe[0], errPipe[0]])
        } catch {
            for fd in outPipe + errPipe { close(fd) }
            throw error
        }
        close(outPipe[1])
        close(errPipe[1])
        defer { close(outPipe[0]); close(errPipe[0]) }

        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(max(0, limit) * 1000))
        var readers = [
            PipeReader(fd: outPipe[0], limit: maxOutput, keepsPrefix: false),
            PipeReader(fd: errPipe[0], limit: maxOutput, keepsPrefix: true),
        ]
        var status: Int32?
        var drainDeadline: ContinuousClock.Instant?
        while true {
            if status == nil, let code = Self.reap(pid, blocking: false) {
                status = code
                drainDeadline = clock.now + .seconds(5)
            }
            if status != nil, readers.allSatisfy(\.closed) { break }
            if status == nil, clock.now >= deadline {
                kill(pid, SIGTERM)
                let grace = clock.now + .seconds(1)
                while Self.reap(pid, blocking: false) == nil {
                    if clock.now >= grace {
                        kill(pid, SIGKILL)
                        _ = Self.reap(pid, blocking: true)
                        break
                    }
                    usleep(10_000)
                }
                throw Failure.timedOut
            }
            if let drainDeadline, clock.now >= drainDeadline { break }
            Self.poll(&readers, milliseconds: 50)
        }
        return Outcome(
            status: status ?? -1, output: readers[0].bytes, errorOutput: readers[1].bytes,
            overflowed: readers[0].overflowed)
    }

    private func spawn(stdout: Int32, stderr: Int32, closing: [Int32]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        for fd in closing + [stdout, stderr] { posix_spawn_file_actions_addclose(&actions, fd) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid = pid_t()
        var code = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        // ETXTBSY: the helper is still open for writing somewhere (being rewritten, or its writer's descriptor briefly
        // inherited by a process forked meanwhile); that passes within milliseconds, so try again a few times.
        for attempt in 1...5 where code == ETXTBSY {
            usleep(UInt32(attempt) * 20_000)
            code = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        }
        guard code == 0 else { throw Failure.cannotStart(String(cString: strerror(code))) }
        return pid
    }

    /// The child's status once it has ended, else nil (or, blocking, waits for it).
    private static func reap(_ pid: pid_t, blocking: Bool) -> Int32? {
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, blocking ? 0 : WNOHANG)
        if result == 0 { return nil }
        if result < 0 { return errno == EINTR ? nil : -1 }
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : signal
    }

    private static func poll(_ readers: inout [PipeReader], milliseconds: Int32) {
        let open = readers.indices.filter { !readers[$0].closed }
        guard !open.isEmpty else {
            usleep(UInt32(milliseconds) * 1000)
            return
        }
        var fds = open.map { pollfd(fd: readers[$0].fd, events: Int16(POLLIN), revents: 0) }
        guard Glibc.poll(&fds, nfds_t(fds.count), milliseconds) > 0 else { return }
        for (slot, index) in open.enumerated() where fds[slot].revents != 0 {
            readers[index].readAvailable()
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// One pipe's collected bytes, capped at `limit`.
private struct PipeReader {
    let fd: Int32
    let limit: Int
    /// stderr keeps its first `limit` bytes; stdout that overflows is flagged instead.
    let keepsPrefix: Bool
    var bytes: [UInt8] = []
    var overflowed = false
    var closed = false

    init(fd: Int32, limit: Int, keepsPrefix: Bool) {
        self.fd = fd
        self.limit = limit
        self.keepsPrefix = keepsPrefix
    }

    mutating func readAvailable() {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0, errno == EINTR || errno == EAGAIN { return }
        guard count > 0 else {
            closed = true
            return
        }
        if keepsPrefix {
            bytes += chunk.prefix(min(count, max(0, limit - bytes.count)))
        } else if bytes.count + count <= limit {
            bytes += chunk.prefix(count)
        } else {
            overflowed = true
        }
    }
}
