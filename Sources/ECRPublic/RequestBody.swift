import Foundation
import Verification

/// Writes the `BatchCheckLayerAvailability` JSON body directly: Foundation's JSONSerialization cost more per call than
/// the rest of the request put together, and the shape is fixed.
enum RequestBody {
    static func batchCheckLayerAvailability(_ batch: LayerBatch) -> Data {
        var out = "{\"layerDigests\":["
        for (index, digest) in batch.digests.enumerated() {
            if index > 0 { out += "," }
            out += quoted(digest.string)
        }
        out += "]"
        if let registry = batch.repository.registryId { out += ",\"registryId\":" + quoted(registry) }
        out += ",\"repositoryName\":" + quoted(batch.repository.repositoryName) + "}"
        return Data(out.utf8)
    }

    /// A JSON string literal (RFC 8259 escaping).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
