#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one place that turns an HTTP exchange into a `--verbose` line; everything it prints passes the Redactor first.
public struct HTTPLog: Sendable {
    private let sink: (@Sendable (String) -> Void)?

    public init(_ sink: (@Sendable (String) -> Void)?) {
        self.sink = sink
    }

    public var isEnabled: Bool { sink != nil }

    /// A free-form line (never built from secret values by callers; scrubbed of URL credentials anyway).
    public func note(_ text: String) {
        sink?(Redactor.url(text))
    }

    /// One finished exchange: `POST https://host/ (what) -> outcome in N ms`.
    public func exchange(method: String, url: String, what: String? = nil, outcome: String, elapsedMs: Int) {
        guard let sink else { return }
        let label = what.map { " \($0)" } ?? ""
        sink("\(method) \(Redactor.url(url))\(label) -> \(outcome) in \(elapsedMs) ms")
    }

    /// The request headers we send, each through `Redactor.header`.
    public func headers(_ lines: [String], context: String) {
        guard let sink else { return }
        sink("\(context) headers: " + lines.map(Redactor.header).joined(separator: "; "))
    }
}
