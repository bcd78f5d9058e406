/// A GitHub Actions workflow command (`::error file=…,line=…,title=…::message`), escaped exactly like the Actions toolkit's
/// `command.ts`, so no image name, message or path can end the command early or start another one.
public struct WorkflowCommand: Sendable, Equatable {
    public var command: String
    /// Properties in the order written; values are escaped when rendered.
    public var properties: [(String, String)]
    public var message: String

    public init(_ command: String, properties: [(String, String)] = [], message: String) {
        self.command = command
        self.properties = properties
        self.message = message
    }

    /// `::command key=value,key=value::message`, without the line feed.
    public var rendered: String {
        var out = "::" + command
        if !properties.isEmpty {
            out += " " + properties.map { "\($0.0)=\(Self.escapeProperty($0.1))" }.joined(separator: ",")
        }
        return out + "::" + Self.escapeData(message)
    }

    /// toolkit `escapeData`: `%` first, then CR and LF.
    public static func escapeData(_ text: String) -> String {
        text.replacingAll("%", with: "%25").replacingAll("\r", with: "%0D").replacingAll("\n", with: "%0A")
    }

    /// toolkit `escapeProperty`: `escapeData` plus `:` and `,`.
    public static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingAll(":", with: "%3A").replacingAll(",", with: "%2C")
    }

    public static func == (lhs: WorkflowCommand, rhs: WorkflowCommand) -> Bool {
        lhs.rendered == rhs.rendered
    }
}

extension String {
    /// Replaces by Unicode scalars, so "\r\n" (one Character) is seen as CR then LF, as JavaScript's replace does.
    func replacingAll(_ target: Unicode.Scalar, with replacement: String) -> String {
        guard unicodeScalars.contains(target) else { return self }
        var out = ""
        for scalar in unicodeScalars {
            if scalar == target { out += replacement } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }
}
