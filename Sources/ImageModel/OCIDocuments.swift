import Foundation

/// A content descriptor as written in manifests and indexes; digest and size stay raw so one bad entry is a finding, not a failed parse.
public struct Descriptor: Codable, Sendable, Hashable {
    public var mediaType: String?
    public var digest: String
    public var size: Int64
    public var urls: [String]?
    public var annotations: [String: String]?
    public var platform: DescriptorPlatform?
    public var artifactType: String?
    /// The content itself, base64 (OCI 1.1 `data`, e.g. the empty descriptor's `e30=`); checked against digest and size when present.
    public var data: String?

    public init(mediaType: String?, digest: String, size: Int64, annotations: [String: String]? = nil, platform: DescriptorPlatform? = nil,
                data: String? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
        self.platform = platform
        self.data = data
    }

    /// The validated digest, or nil when the raw string is outside the grammar.
    public var validDigest: Digest? { Digest(digest) }

    /// True for the OCI empty descriptor (`{}`), which artifacts use as config or sole layer.
    public var isEmptyDescriptor: Bool { digest == MediaType.emptyDigest && mediaType == MediaType.ociEmpty }
}

/// `platform` as it appears in an index entry.
public struct DescriptorPlatform: Codable, Sendable, Hashable {
    public var os: String?
    public var architecture: String?
    public var variant: String?

    enum CodingKeys: String, CodingKey {
        case os, architecture, variant
    }

    public init(os: String?, architecture: String?, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    public var platform: Platform {
        Platform(os: os ?? "unknown", architecture: architecture ?? "unknown", variant: variant)
    }
}

/// An OCI image index or Docker manifest list.
public struct ImageIndex: Codable, Sendable {
    public var schemaVersion: Int?
    public var mediaType: String?
    public var manifests: [Descriptor]
    public var annotations: [String: String]?
    public var subject: Descriptor?
}

/// An OCI image manifest or Docker schema 2 manifest.
public struct ImageManifest: Codable, Sendable {
    public var schemaVersion: Int?
    public var mediaType: String?
    public var config: Descriptor
    public var layers: [Descriptor]
    public var annotations: [String: String]?
    public var subject: Descriptor?
    public var artifactType: String?
}

/// The parts of an image config the checker needs: `rootfs.diff_ids` reveal uncompressed layers.
public struct ImageConfigDocument: Codable, Sendable {
    public struct RootFS: Codable, Sendable {
        public var type: String?
        public var diff_ids: [String]?
    }
    public var rootfs: RootFS?
    public var os: String?
    public var architecture: String?
    public var variant: String?
}

/// What a JSON document in a layout turned out to be.
public enum ParsedDocument: Sendable {
    case index(ImageIndex)
    case manifest(ImageManifest)
}

/// Parses manifests and indexes with the limits of SPEC §3; every failure is a message for a `manifest-invalid` finding.
public enum DocumentParser {
    /// Documents larger than this are refused before parsing (SPEC §3: 4 MiB).
    public static let maxDocumentSize = 4 * 1024 * 1024

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// Decides index vs manifest from `mediaType` (declared, else from the descriptor) or from the shape.
    public static func parse(_ data: Data, declaredMediaType: String? = nil) throws -> ParsedDocument {
        guard data.count <= maxDocumentSize else {
            throw Failure("document is \(data.count) bytes, over the 4 MiB limit")
        }
        // One decoding pass over every field either kind may have: a 4 MiB document is parsed once, not twice.
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: data)
        } catch let error as DecodingError {
            switch error {
            case .dataCorrupted(let context) where context.codingPath.isEmpty:
                throw Failure("malformed JSON: \(shortReason(context.underlyingError ?? error))")
            case .typeMismatch(_, let context) where context.codingPath.isEmpty:
                throw Failure("expected a JSON object at the top level")
            default:
                throw Failure(describe(error))
            }
        } catch {
            throw Failure("malformed JSON: \(shortReason(error))")
        }
        let mediaType = envelope.mediaType ?? declaredMediaType
        if MediaType.isIndex(mediaType) || (mediaType == nil && envelope.manifests != nil) {
            return .index(try envelope.index())
        }
        if envelope.config != nil || envelope.layers != nil || MediaType.isManifest(mediaType) {
            return .manifest(try envelope.manifest())
        }
        if envelope.manifests != nil {
            return .index(try envelope.index())
        }
        if envelope.fsLayers != nil || envelope.schemaVersion == 1 {
            throw Failure("Docker schema 1 manifests are not supported (deprecated since Docker 1.10); rebuild or convert the image to schema 2 or OCI")
        }
        if let mediaType {
            throw Failure("unsupported document media type \(mediaType.debugQuoted)")
        }
        throw Failure("neither an image index nor an image manifest")
    }

    /// Every top-level field of an index or a manifest, all optional, so one pass decides which it is.
    private struct Envelope: Decodable {
        var schemaVersion: Int?
        var mediaType: String?
        var manifests: [Descriptor]?
        var config: Descriptor?
        var layers: [Descriptor]?
        var annotations: [String: String]?
        var subject: Descriptor?
        var artifactType: String?
        var fsLayers: Present?

        func index() throws -> ImageIndex {
            guard let manifests else { throw Failure("manifests: required field is missing") }
            return ImageIndex(schemaVersion: schemaVersion, mediaType: mediaType, manifests: manifests, annotations: annotations, subject: subject)
        }

        func manifest() throws -> ImageManifest {
            guard let config else { throw Failure("config: required field is missing") }
            guard let layers else { throw Failure("layers: required field is missing") }
            return ImageManifest(schemaVersion: schemaVersion, mediaType: mediaType, config: config, layers: layers, annotations: annotations,
                                 subject: subject, artifactType: artifactType)
        }
    }

    /// Any JSON value, decoded only to note that the key is there.
    private struct Present: Decodable {
        init(from decoder: Decoder) throws {}
    }

    /// Parses an image config for `rootfs.diff_ids`; nil when it is not a usable config (never fatal).
    public static func parseConfig(_ data: Data) -> ImageConfigDocument? {
        guard data.count <= maxDocumentSize else { return nil }
        return try? JSONDecoder().decode(ImageConfigDocument.self, from: data)
    }

    static func shortReason(_ error: Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        return String(text.prefix(200))
    }

    /// Renders a DecodingError as `field.path: what was wrong`, the way a user can act on it.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [CodingKey]) -> String {
            let parts = codingPath.map { key -> String in
                if let index = key.intValue { return "[\(index)]" }
                return "." + key.stringValue
            }
            let joined = parts.joined()
            return joined.hasPrefix(".") ? String(joined.dropFirst()) : (joined.isEmpty ? "document" : joined)
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): missing \(type) value"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): required field is missing"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
