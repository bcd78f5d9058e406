/// The part of SARIF 2.1.0 the SARIF reporter writes, as Codable values (no dictionaries of Any).
public enum SARIF {
    public struct Log: Codable, Sendable {
        public var schema = "https://json.schemastore.org/sarif-2.1.0.json"
        public var version = "2.1.0"
        public var runs: [Run]

        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case version, runs
        }
    }

    public struct Run: Codable, Sendable {
        public var tool: Tool
        public var invocations: [Invocation]
        public var results: [Result]
        public var columnKind = "unicodeCodePoints"
    }

    public struct Tool: Codable, Sendable {
        public var driver: Driver
    }

    public struct Driver: Codable, Sendable {
        public var name: String
        public var version: String
        public var rules: [ReportingDescriptor]
    }

    public struct ReportingDescriptor: Codable, Sendable {
        public var id: String
        public var name: String
        public var shortDescription: Text
        public var fullDescription: Text
        public var help: Text
        public var defaultConfiguration: Configuration
    }

    public struct Configuration: Codable, Sendable {
        public var level: String
    }

    public struct Text: Codable, Sendable {
        public var text: String
    }

    public struct Invocation: Codable, Sendable {
        public var executionSuccessful: Bool
        public var exitCode: Int
    }

    public struct Result: Codable, Sendable {
        public var ruleId: String
        public var ruleIndex: Int
        public var level: String
        public var message: Text
        public var locations: [Location]
        public var partialFingerprints: [String: String]
        public var properties: Properties
    }

    public struct Location: Codable, Sendable {
        public var physicalLocation: PhysicalLocation
    }

    public struct PhysicalLocation: Codable, Sendable {
        public var artifactLocation: ArtifactLocation
        public var region: Region
    }

    public struct ArtifactLocation: Codable, Sendable {
        public var uri: String
        public var uriBaseId: String
    }

    public struct Region: Codable, Sendable {
        public var startLine: Int
    }

    /// Where the finding came from, for people reading the SARIF file.
    public struct Properties: Codable, Sendable {
        public var image: String?
        public var platform: String?
        public var digest: String?
        public var repository: String?
        public var commit: String?
    }
}
