import ArgumentParser
import Foundation

/// An error that ends the run with a documented exit code and one clear message.
struct Failure: Error {
    var code: Int32
    var message: String

    static func usage(_ message: String) -> Failure { Failure(code: 64, message: message) }
    static func config(_ message: String) -> Failure { Failure(code: 78, message: message) }
    static func unavailable(_ message: String) -> Failure { Failure(code: 69, message: message) }
    static func credentials(_ message: String) -> Failure { Failure(code: 77, message: message) }
}

/// The only place that writes to the terminal.
enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    static var stdoutIsTTY: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }
}

/// Runs a command body, turning `Failure` into its message and exit code.
func runReportingFailures(_ body: () throws -> Int32) throws {
    let code: Int32
    do {
        code = try body()
    } catch let failure as Failure {
        Console.err("verify-layers: \(failure.message)")
        throw ExitCode(failure.code)
    }
    if code != 0 { throw ExitCode(code) }
}
