import Checking
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads a `BatchCheckLayerAvailability` answer strictly: wrong shapes are errors, never passes.
enum ResponseParser {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// What a `layerAvailability` says.
    enum Availability {
        case available, unavailable, other
    }

    /// One entry of `layers` or `failures`, as written (a member that is not a string reads as absent).
    struct Entry {
        /// nil when absent (or not a string); `.some(nil)` when a string that is not a valid digest.
        var layerDigest: Digest??
        var layerAvailability: Availability?
        var layerSize: Int64?
        var mediaType: String?
        var failureCode: String?
        var failureReason: String?
    }

    /// One list of an answer, and whether it was something else than a list of objects.
    struct List {
        var entries: [Entry] = []
        var wrongShape = false
    }

    /// The two lists of an answer (empty when absent), or that the answer is not an object. A member given twice counts
    /// as its last value, as in any JSON object reader.
    struct Lists {
        var notAnObject = false
        var layers = List()
        var failures = List()
    }

    /// The verdict on each of `requested`, in its order (nil where the answer says nothing about it).
    static func parse(_ body: Data, requested: [Digest]) throws -> [LayerAnswer?] {
        let lists: Lists
        do {
            lists = try JSONPull.read(body) { pull in try readLists(&pull) }
        } catch let error as Malformed {
            throw error
        } catch {
            throw Malformed(description: "the body is not JSON (\(body.count) bytes)")
        }
        if lists.notAnObject { throw Malformed(description: "expected a JSON object") }
        var answers = Answers(requested)
        if lists.layers.wrongShape { throw Malformed(description: "`layers` is not a list of objects") }
        for layer in lists.layers.entries {
            try record(layer, into: &answers)
        }
        if lists.failures.wrongShape { throw Malformed(description: "`failures` is not a list of objects") }
        for failure in lists.failures.entries {
            recordFailure(failure, into: &answers)
        }
        return answers.inRequestedOrder()
    }

    /// Verdicts by the position of each requested digest: one hash a requested digest and one an answered one, where a
    /// set of the requested, a table of answers and a lookup per digest to order them took five.
    struct Answers {
        private let requested: [Digest]
        /// The first position of each requested digest.
        private var positions: [Digest: Int] = [:]
        private var repeated = false
        private var verdicts: [LayerAnswer?]

        init(_ requested: [Digest]) {
            self.requested = requested
            verdicts = Array(repeating: nil, count: requested.count)
            positions.reserveCapacity(requested.count)
            for (position, digest) in requested.enumerated() where positions[digest] == nil {
                positions[digest] = position
            }
            repeated = positions.count != requested.count
        }

        /// Where `digest`'s verdict goes; nil for a digest that was not asked about.
        func position(of digest: Digest) -> Int? { positions[digest] }

        subscript(position: Int) -> LayerAnswer? {
            get { verdicts[position] }
            set { verdicts[position] = newValue }
        }

        /// A digest asked about twice gets the one verdict at both places.
        func inRequestedOrder() -> [LayerAnswer?] {
            guard repeated else { return verdicts }
            return requested.map { digest in positions[digest].flatMap { verdicts[$0] } }
        }
    }

    /// Reads the whole answer, keeping only the members of `layers` and `failures` entries a verdict needs (no tree).
    private static func readLists(_ pull: inout JSONPull) throws -> Lists {
        var lists = Lists()
        guard pull.atObject else {
            _ = try pull.value()
            lists.notAnObject = true
            return lists
        }
        try pull.members { pull, key in
            if key == "layers" {
                lists.layers = try list(&pull)
            } else if key == "failures" {
                lists.failures = try list(&pull)
            } else {
                _ = try pull.value()
            }
        }
        return lists
    }

    /// A list of entry objects; anything else is consumed and marked (reported once the whole body proved JSON).
    private static func list(_ pull: inout JSONPull) throws -> List {
        var found = List()
        guard pull.atArray else {
            _ = try pull.value()
            found.wrongShape = true
            return found
        }
        try pull.elements { pull in
            guard pull.atObject else {
                _ = try pull.value()
                found.wrongShape = true
                return
            }
            found.entries.append(try entry(&pull))
        }
        return found
    }

    private static func entry(_ pull: inout JSONPull) throws -> Entry {
        var entry = Entry()
        try pull.members { pull, key in
            if key == "layerDigest" {
                entry.layerDigest = try pull.utf8String { Digest(utf8: $0) }
            } else if key == "layerAvailability" {
                entry.layerAvailability = try pull.utf8String(availability)
            } else if key == "layerSize" {
                entry.layerSize = try pull.value().int64Value
            } else if key == "mediaType" {
                // The common types are shared strings, not one new string an entry.
                entry.mediaType = try pull.utf8String {
                    MediaType.interned(utf8: $0) ?? String(decoding: $0, as: UTF8.self)
                }
            } else if key == "failureCode" {
                entry.failureCode = try pull.string()
            } else if key == "failureReason" {
                entry.failureReason = try pull.string()
            } else {
                _ = try pull.value()
            }
        }
        return entry
    }

    private static func availability(_ text: UnsafeBufferPointer<UInt8>) -> Availability {
        if text.elementsEqual("AVAILABLE".utf8) { return .available }
        if text.elementsEqual("UNAVAILABLE".utf8) { return .unavailable }
        return .other
    }

    private static func record(_ layer: Entry, into answers: inout Answers) throws {
        guard let parsed = layer.layerDigest else {
            throw Malformed(description: "a layer entry has no layerDigest")
        }
        guard let digest = parsed, let position = answers.position(of: digest) else { return }
        switch layer.layerAvailability {
        case .available?:
            // A digest listed twice with different verdicts never ends up available.
            if let earlier = answers[position], !isAvailable(earlier) { return }
            answers[position] = .available(size: layer.layerSize, mediaType: layer.mediaType)
        case .unavailable?:
            answers[position] = .unavailable(reason: "the service reports it UNAVAILABLE")
        default:
            throw Malformed(description: "unexpected layerAvailability for \(digest)")
        }
    }

    private static func recordFailure(_ failure: Entry, into answers: inout Answers) {
        guard let parsed = failure.layerDigest, let digest = parsed, let position = answers.position(of: digest) else {
            return
        }
        let reason = failure.failureReason.map { String($0.prefix(300)) } ?? ""
        switch failure.failureCode {
        case "MissingLayerDigest":
            answers[position] = .unavailable(
                reason: reason.isEmpty ? "MissingLayerDigest" : "MissingLayerDigest: \(reason)")
        case "InvalidLayerDigest":
            answers[position] = .invalid(
                reason: reason.isEmpty ? "InvalidLayerDigest" : "InvalidLayerDigest: \(reason)")
        default:
            // Unknown failure codes must not pass; leave the digest unanswered so it becomes a verification error.
            answers[position] = nil
        }
    }

    private static func isAvailable(_ answer: LayerAnswer) -> Bool {
        if case .available = answer { return true }
        return false
    }
}
