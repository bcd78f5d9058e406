import ArgumentParser
import Checking
import ImageModel
import Pipeline
import Reports

// The values ArgumentParser shows for the enum options (help, completions, error messages), given directly.
//
// For a String-backed CaseIterable option ArgumentParser's defaults build them by printing each raw value through a
// generic `"\(value)"`, whose dynamic casts make the Swift runtime scan every protocol conformance record in the binary
// (about 4,500 in the static release build) once per new type: about 5 M instructions, a fifth of a no-op pre-push,
// spent while parsing the command line of every run (callgrind, BENCHMARKS.md). These members give the same strings:
// each raw value, as its own default description, and so no separate value descriptions. (Public: they stand for
// requirements of a public protocol.)

extension ReportFormat {
    /// The registered reporters' names: a new reporter is offered without touching the CLI.
    public static var allValueStrings: [String] { ReporterRegistry.builtIn.formats.map(\.rawValue) }
    public static var allValueDescriptions: [String: String] { [:] }
    public var defaultValueDescription: String { rawValue }
}

extension OnErrorPolicy {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
    public static var allValueDescriptions: [String: String] { [:] }
    public var defaultValueDescription: String { rawValue }
}

extension CheckWay {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
    public static var allValueDescriptions: [String: String] { [:] }
    public var defaultValueDescription: String { rawValue }
}

extension ColorChoice {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
    public static var allValueDescriptions: [String: String] { [:] }
    public var defaultValueDescription: String { rawValue }
}

extension ListCommand.ListFormat {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
    public static var allValueDescriptions: [String: String] { [:] }
    public var defaultValueDescription: String { rawValue }
}
