#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where a report's text goes as it is produced, so a large report is never held whole (the executable passes one that
/// writes to a file descriptor in chunks; `render` collects into a string).
public protocol ReportSink: AnyObject {
    func write(_ text: String)
}

/// Collects a report into one string: `render`, tests, and formats too small to stream.
public final class StringSink: ReportSink {
    public private(set) var text = ""

    public init() {}

    public func write(_ text: String) {
        self.text += text
    }
}
