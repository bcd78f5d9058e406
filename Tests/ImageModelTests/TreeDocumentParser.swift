import Foundation

@testable import ImageModel

/// The manifest and index reader as it was before it stopped building a `JSONValue` tree: kept here, unchanged, as the
/// reference that `DocumentParser` must agree with on every document, valid or not (`DocumentParserSamenessTests`).
enum TreeDocumentParser {
    /// Decides index vs manifest from `mediaType` (declared, else from the descriptor) or from the shape.
    static func parse(_ data: Data, declaredMediaType: String? = nil) throws -> ParsedDocument {
        guard data.count <= DocumentParser.maxDocumentSize else {
            throw DocumentParser.Failure("document is \(data.count) bytes, over the 4 MiB limit")
        }
        // One parsing pass over every field either kind may have: a 4 MiB document is parsed once, not twice.
        let root: [String: JSONValue]
        do {
            guard let object = try JSONValue.parse(data).objectValue else {
                throw DocumentParser.Failure("expected a JSON object at the top level")
            }
            root = object
        } catch let error as JSONValue.SyntaxError {
            throw DocumentParser.Failure("malformed JSON: \(error.description.prefix(200))")
        }
        let envelope = try Envelope(root)
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
            throw DocumentParser.Failure(
                "Docker schema 1 manifests are not supported (deprecated since Docker 1.10); rebuild or convert the image to schema 2 or OCI"
            )
        }
        if let mediaType {
            throw DocumentParser.Failure("unsupported document media type \(mediaType.debugQuoted)")
        }
        throw DocumentParser.Failure("neither an image index nor an image manifest")
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

        init(_ root: [String: JSONValue]) throws {
            let fields = Fields(root, path: "")
            schemaVersion = try fields.integer("schemaVersion").map { Int(clamping: $0) }
            mediaType = try fields.string("mediaType")
            manifests = try fields.descriptors("manifests")
            config = try fields.descriptor("config")
            layers = try fields.descriptors("layers")
            annotations = try fields.stringMap("annotations")
            subject = try fields.descriptor("subject")
            artifactType = try fields.string("artifactType")
            fsLayers = root["fsLayers"] != nil
            for key in ["manifests", "config", "layers"] where root[key] == .null { nulls.insert(key) }
        }

        func absent(_ key: String, _ type: String) -> DocumentParser.Failure {
            DocumentParser.Failure(
                nulls.contains(key) ? "\(key): is null, but \(type) is required" : "\(key): required field is missing")
        }

        /// OCI and Docker schema 2 documents say `schemaVersion: 2` (image-spec: MUST); left out, it is not guessed at.
        func checkVersion() throws {
            guard let schemaVersion, schemaVersion != 2 else { return }
            throw DocumentParser.Failure(
                "schemaVersion: is \(schemaVersion), but an image index or manifest must say 2")
        }

        /// A document's own `mediaType`, when given, is its kind's.
        func checkMediaType(_ expected: (String?) -> Bool, _ kind: String) throws {
            guard let mediaType, !expected(mediaType) else { return }
            throw DocumentParser.Failure(
                "mediaType: is \(mediaType.debugQuoted), which is not an image \(kind)'s media type")
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

    /// Typed access to an object's members, failing as `path.field: what was wrong` — the way a user can act on it. Absent and
    /// `null` optional fields are nil; a present field of the wrong type is an error, never silently dropped.
    struct Fields {
        let members: [String: JSONValue]
        /// Where this object is (`layers[3]`), for error messages only: the element index is kept apart and joined only
        /// when a message needs it (a manifest of a hundred layers used to build a hundred paths nobody read).
        let parentPath: String
        let index: Int?

        init(_ members: [String: JSONValue], path: String, index: Int? = nil) {
            self.members = members
            self.parentPath = path
            self.index = index
        }

        var path: String { index.map { "\(parentPath)[\($0)]" } ?? parentPath }

        func at(_ key: String) -> String {
            let path = self.path
            return path.isEmpty ? key : "\(path).\(key)"
        }

        func present(_ key: String) -> JSONValue? {
            guard let value = members[key], value != .null else { return nil }
            return value
        }

        func string(_ key: String) throws -> String? {
            guard let value = present(key) else { return nil }
            guard let text = value.stringValue else { throw DocumentParser.Failure("\(at(key)): expected String") }
            return text
        }

        func requiredString(_ key: String) throws -> String {
            guard members[key] != nil else { throw DocumentParser.Failure("\(at(key)): required field is missing") }
            guard let text = try string(key) else { throw DocumentParser.Failure("\(at(key)): missing String value") }
            return text
        }

        func integer(_ key: String) throws -> Int64? {
            guard let value = present(key) else { return nil }
            guard case .integer(let number) = value else { throw DocumentParser.Failure("\(at(key)): expected Int64") }
            return number
        }

        func requiredInteger(_ key: String) throws -> Int64 {
            guard members[key] != nil else { throw DocumentParser.Failure("\(at(key)): required field is missing") }
            guard let number = try integer(key) else { throw DocumentParser.Failure("\(at(key)): missing Int64 value") }
            return number
        }

        func stringMap(_ key: String) throws -> [String: String]? {
            guard let value = present(key) else { return nil }
            guard let object = value.objectValue else {
                throw DocumentParser.Failure("\(at(key)): expected Dictionary<String, String>")
            }
            var result: [String: String] = [:]
            result.reserveCapacity(object.count)
            for (name, item) in object {
                guard let text = item.stringValue else {
                    throw DocumentParser.Failure("\(at(key)).\(name): expected String")
                }
                result[name] = text
            }
            return result
        }

        func stringList(_ key: String) throws -> [String]? {
            guard let value = present(key) else { return nil }
            guard let items = value.arrayValue else {
                throw DocumentParser.Failure("\(at(key)): expected Array<String>")
            }
            return try items.enumerated().map { index, item in
                guard let text = item.stringValue else {
                    throw DocumentParser.Failure("\(at(key))[\(index)]: expected String")
                }
                return text
            }
        }

        func object(_ key: String) throws -> Fields? {
            guard let value = present(key) else { return nil }
            guard let object = value.objectValue else { throw DocumentParser.Failure("\(at(key)): expected an object") }
            return Fields(object, path: at(key))
        }

        func descriptor(_ key: String) throws -> Descriptor? {
            guard let fields = try object(key) else { return nil }
            return try descriptorFrom(fields)
        }

        func descriptors(_ key: String) throws -> [Descriptor]? {
            guard let value = present(key) else { return nil }
            guard let items = value.arrayValue else {
                throw DocumentParser.Failure("\(at(key)): expected Array<Descriptor>")
            }
            var result: [Descriptor] = []
            result.reserveCapacity(items.count)
            let listPath = at(key)
            for (index, item) in items.enumerated() {
                guard let object = item.objectValue else {
                    let itemPath = "\(listPath)[\(index)]"
                    throw DocumentParser.Failure(
                        item == .null ? "\(itemPath): missing Descriptor value" : "\(itemPath): expected Descriptor")
                }
                result.append(try descriptorFrom(Fields(object, path: listPath, index: index)))
            }
            return result
        }
    }

    /// Parses an image config for `rootfs.diff_ids`; nil when it is not a usable config (never fatal).
    static func parseConfig(_ data: Data) -> ImageConfigDocument? {
        guard data.count <= DocumentParser.maxDocumentSize, let root = (try? JSONValue.parse(data))?.objectValue else {
            return nil
        }
        let fields = Fields(root, path: "")
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

    /// `Descriptor`'s fields read from a tree, in the order (and so with the first failure) the old initialiser had.
    static func descriptorFrom(_ fields: Fields) throws -> Descriptor {
        var descriptor = Descriptor(
            mediaType: try fields.string("mediaType").map(MediaType.interned),
            digest: try fields.requiredString("digest"),
            size: try fields.requiredInteger("size"))
        descriptor.urls = try fields.stringList("urls")
        descriptor.annotations = try fields.stringMap("annotations")
        descriptor.platform = try fields.object("platform").map {
            DescriptorPlatform(
                os: try $0.string("os"), architecture: try $0.string("architecture"), variant: try $0.string("variant"))
        }
        descriptor.artifactType = try fields.string("artifactType")
        descriptor.data = try fields.string("data")
        return descriptor
    }
}
