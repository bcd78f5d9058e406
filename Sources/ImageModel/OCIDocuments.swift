#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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

    public init(
        mediaType: String?, digest: String, size: Int64, annotations: [String: String]? = nil,
        platform: DescriptorPlatform? = nil,
        data: String? = nil
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
        self.platform = platform
        self.data = data
    }

    /// The validated digest, or nil when the raw string is outside the grammar.
    public var validDigest: Digest? { Digest(digest) }

    init(_ fields: DocumentParser.Fields) throws {
        mediaType = try fields.mediaType("mediaType")
        digest = try fields.requiredString("digest")
        size = try fields.requiredInteger("size")
        urls = try fields.stringList("urls")
        annotations = try fields.stringMap("annotations")
        platform = try fields.object("platform").map {
            DescriptorPlatform(
                os: try $0.string("os"), architecture: try $0.string("architecture"), variant: try $0.string("variant"))
        }
        artifactType = try fields.string("artifactType")
        data = try fields.string("data")
    }

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

        public init(type: String?, diff_ids: [String]?) {
            self.type = type
            self.diff_ids = diff_ids
        }
    }
    public var rootfs: RootFS?
    public var os: String?
    public var architecture: String?
    public var variant: String?

    public init(rootfs: RootFS?, os: String?, architecture: String?, variant: String?) {
        self.rootfs = rootfs
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }
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
        /// Where in the document the problem is (the offending value, or the object missing a field), when known.
        public let offset: Int?
        public init(_ message: String, at offset: Int? = nil) {
            self.message = message
            self.offset = offset
        }
        public var description: String { message }

        /// The 1-based line of `offset` in `data` (SPEC §5: 1 when unknown).
        public func line(in data: Data) -> Int {
            guard let offset, offset > 0 else { return 1 }
            return data.withUnsafeBytes { raw in
                1 + raw.prefix(min(offset, raw.count)).reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            }
        }
    }

    /// Decides index vs manifest from `mediaType` (declared, else from the descriptor) or from the shape.
    public static func parse(_ data: Data, declaredMediaType: String? = nil) throws -> ParsedDocument {
        guard data.count <= maxDocumentSize else {
            throw Failure("document is \(data.count) bytes, over the 4 MiB limit")
        }
        // One pass over every field either kind may have: a 4 MiB document is read once, not twice.
        return try data.withUnsafeBytes { raw in
            let envelope = try Envelope(try topObject(raw.bindMemory(to: UInt8.self), lists: ["manifests", "layers"]))
            return try classify(envelope, declaredMediaType: declaredMediaType)
        }
    }

    /// Whether `data` is an index whose `manifests` is `null`: what Go tools write for a layout without images (`umoci
    /// init` leaves `{"schemaVersion":2,"manifests":null}`). Asked only once parsing failed.
    public static func hasNullManifests(_ data: Data) -> Bool {
        guard data.count <= maxDocumentSize else { return false }
        let envelope = try? data.withUnsafeBytes { raw in
            try Envelope(try topObject(raw.bindMemory(to: UInt8.self), lists: ["manifests", "layers"]))
        }
        guard let envelope else { return false }
        return envelope.nulls.contains("manifests") && envelope.config == nil && envelope.layers == nil
    }

    /// The top object's members, once the whole document is known to be JSON: a syntax error anywhere comes before any
    /// field's error, as when the document was parsed into a tree first.
    static func topObject(_ bytes: UnsafeBufferPointer<UInt8>, lists: [StaticString] = []) throws -> Fields {
        var pull = JSONPull(reader: JSONReader(bytes))
        let fields: Fields?
        do {
            fields = try pull.document { pull in
                guard pull.atObject else {
                    try pull.reader.skip()
                    return nil
                }
                return try Fields(&pull, path: "", lists: lists)
            }
        } catch let error as JSONValue.SyntaxError {
            throw Failure("malformed JSON: \(error.description.prefix(200))", at: error.offset)
        }
        guard let fields else { throw Failure("expected a JSON object at the top level") }
        return fields
    }

    /// Index or manifest, from the media type (declared, else from the descriptor) or from the shape.
    private static func classify(_ envelope: Envelope, declaredMediaType: String?) throws -> ParsedDocument {
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
        if envelope.nulls.contains("manifests") { throw envelope.absent("manifests", "an array of descriptors") }
        if envelope.nulls.contains("config") || envelope.nulls.contains("layers") {
            throw envelope.nulls.contains("config")
                ? envelope.absent("config", "a descriptor") : envelope.absent("layers", "an array of descriptors")
        }
        if envelope.fsLayers || envelope.schemaVersion == 1 {
            throw Failure(
                "Docker schema 1 manifests are not supported (deprecated since Docker 1.10); rebuild or convert the image to schema 2 or OCI"
            )
        }
        if let mediaType {
            throw Failure("unsupported document media type \(mediaType.debugQuoted)")
        }
        throw Failure("neither an image index nor an image manifest")
    }

    /// Every top-level field of an index or a manifest, all optional, so one pass decides which it is.
    private struct Envelope {
        var schemaVersion: Int?
        var mediaType: String?
        var manifests: [Descriptor]?
        var config: Descriptor?
        var layers: [Descriptor]?
        var annotations: [String: String]?
        var subject: Descriptor?
        var artifactType: String?
        var fsLayers: Bool
        /// Required fields written as `null`, so the message says null rather than missing.
        var nulls: Set<String> = []

        init(_ fields: Fields) throws {
            schemaVersion = try fields.integer("schemaVersion").map { Int(clamping: $0) }
            mediaType = try fields.string("mediaType")
            manifests = try fields.descriptors("manifests")
            config = try fields.descriptor("config")
            layers = try fields.descriptors("layers")
            annotations = try fields.stringMap("annotations")
            subject = try fields.descriptor("subject")
            artifactType = try fields.string("artifactType")
            fsLayers = fields.has("fsLayers")
            let required: [StaticString] = ["manifests", "config", "layers"]
            for key in required where fields.isNull(key) { nulls.insert("\(key)") }
        }

        func absent(_ key: String, _ type: String) -> Failure {
            Failure(
                nulls.contains(key) ? "\(key): is null, but \(type) is required" : "\(key): required field is missing")
        }

        /// OCI and Docker schema 2 documents say `schemaVersion: 2` (image-spec: MUST); left out, it is not guessed at.
        func checkVersion() throws {
            guard let schemaVersion, schemaVersion != 2 else { return }
            throw Failure("schemaVersion: is \(schemaVersion), but an image index or manifest must say 2")
        }

        /// A document's own `mediaType`, when given, is its kind's (image-spec: MUST): a manifest saying it is something
        /// else cannot be pushed as one.
        func checkMediaType(_ expected: (String?) -> Bool, _ kind: String) throws {
            guard let mediaType, !expected(mediaType) else { return }
            throw Failure("mediaType: is \(mediaType.debugQuoted), which is not an image \(kind)'s media type")
        }

        func index() throws -> ImageIndex {
            guard let manifests else { throw absent("manifests", "an array of descriptors") }
            try checkVersion()
            try checkMediaType(MediaType.isIndex, "index")
            return ImageIndex(
                schemaVersion: schemaVersion, mediaType: mediaType, manifests: manifests, annotations: annotations,
                subject: subject)
        }

        func manifest() throws -> ImageManifest {
            guard let config else { throw absent("config", "a descriptor") }
            guard let layers else { throw absent("layers", "an array of descriptors") }
            try checkVersion()
            try checkMediaType(MediaType.isManifest, "manifest")
            return ImageManifest(
                schemaVersion: schemaVersion, mediaType: mediaType, config: config, layers: layers,
                annotations: annotations,
                subject: subject, artifactType: artifactType)
        }
    }

    /// Parses an image config for `rootfs.diff_ids`; nil when it is not a usable config (never fatal).
    public static func parseConfig(_ data: Data) -> ImageConfigDocument? {
        guard data.count <= maxDocumentSize else { return nil }
        return data.withUnsafeBytes { raw in
            guard let fields = try? topObject(raw.bindMemory(to: UInt8.self)) else { return nil }
            do {
                let rootfs = try fields.object("rootfs").map {
                    try ImageConfigDocument.RootFS(type: $0.string("type"), diff_ids: $0.stringList("diff_ids"))
                }
                return ImageConfigDocument(
                    rootfs: rootfs, os: try fields.string("os"), architecture: try fields.string("architecture"),
                    variant: try fields.string("variant"))
            } catch {
                return nil
            }
        }
    }
}
