#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ImageModel

/// `{"version":1, "findings":[...], "images":[...], "summary":{...}}`, stable key order for diffs.
public struct JSONReporter: Reporter {
    public init() {}

    public func render(_ report: RunReport, options: ReportOptions) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(report) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
