import Foundation
import Testing

/// Golden files beside this source (found through #filePath, so no bundle resources are needed).
/// `UPDATE_GOLDEN=1 swift test --filter ReportsTests` rewrites them; review the diff before committing.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func check(
        _ actual: String, _ name: String, json: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let url = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try Data(actual.utf8).write(to: url)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if json {
            #expect(
                try canonical(actual) == canonical(expected),
                "\(name) differs from the golden file (compared as parsed JSON)",
                sourceLocation: sourceLocation)
        } else {
            #expect(actual == expected, "\(name) differs from the golden file", sourceLocation: sourceLocation)
        }
    }

    /// Parsed and re-serialised with sorted keys: equal documents compare equal whatever their layout.
    static func canonical(_ text: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
    }
}
