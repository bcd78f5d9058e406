import Checking

/// An error that ends the run with a documented exit code and one clear message.
public struct Failure: Error {
    public var code: Int32
    public var message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    public static func usage(_ message: String) -> Failure { Failure(code: ExitStatus.usage, message: message) }
    public static func config(_ message: String) -> Failure { Failure(code: ExitStatus.config, message: message) }
    public static func unavailable(_ message: String) -> Failure {
        Failure(code: ExitStatus.unavailable, message: message)
    }
    public static func credentials(_ message: String) -> Failure {
        Failure(code: ExitStatus.noPermission, message: message)
    }
}
