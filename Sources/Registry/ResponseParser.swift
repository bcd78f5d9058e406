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

    static func parse(_ body: Data, requested: [Digest]) throws -> [Digest: LayerAnswer] {
        guard let object = try? JSONValue.parse(body) else {
            throw Malformed(description: "the body is not JSON (\(body.count) bytes)")
        }
        guard let root = object.objectValue else { throw Malformed(description: "expected a JSON object") }
        let wanted = Set(requested)
        var answers: [Digest: LayerAnswer] = [:]
        if let layers = root["layers"] {
            guard let list = layers.arrayValue?.compactMap(\.objectValue), list.count == layers.arrayValue?.count else {
                throw Malformed(description: "`layers` is not a list of objects")
            }
            for layer in list {
                guard let raw = layer["layerDigest"]?.stringValue else {
                    throw Malformed(description: "a layer entry has no layerDigest")
                }
                guard let digest = Digest(raw), wanted.contains(digest) else { continue }
                switch layer["layerAvailability"]?.stringValue {
                case "AVAILABLE":
                    // A digest listed twice with different verdicts never ends up available.
                    if let earlier = answers[digest], !isAvailable(earlier) { continue }
                    answers[digest] = .available(
                        size: layer["layerSize"]?.int64Value,
                        mediaType: layer["mediaType"]?.stringValue.map(MediaType.interned))
                case "UNAVAILABLE":
                    answers[digest] = .unavailable(reason: "the service reports it UNAVAILABLE")
                default:
                    throw Malformed(description: "unexpected layerAvailability for \(digest)")
                }
            }
        }
        if let failures = root["failures"] {
            guard let list = failures.arrayValue?.compactMap(\.objectValue), list.count == failures.arrayValue?.count
            else {
                throw Malformed(description: "`failures` is not a list of objects")
            }
            for failure in list {
                guard let raw = failure["layerDigest"]?.stringValue, let digest = Digest(raw), wanted.contains(digest)
                else { continue }
                let reason = failure["failureReason"]?.stringValue.map { String($0.prefix(300)) } ?? ""
                switch failure["failureCode"]?.stringValue {
                case "MissingLayerDigest":
                    answers[digest] = .unavailable(
                        reason: reason.isEmpty ? "MissingLayerDigest" : "MissingLayerDigest: \(reason)")
                case "InvalidLayerDigest":
                    answers[digest] = .invalid(
                        reason: reason.isEmpty ? "InvalidLayerDigest" : "InvalidLayerDigest: \(reason)")
                default:
                    // Unknown failure codes must not pass; leave the digest unanswered so it becomes a verification error.
                    answers.removeValue(forKey: digest)
                }
            }
        }
        return answers
    }

    private static func isAvailable(_ answer: LayerAnswer) -> Bool {
        if case .available = answer { return true }
        return false
    }
}
