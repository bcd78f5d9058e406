import Checking

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Writes the `BatchCheckLayerAvailability` JSON body directly as bytes: Foundation's JSONSerialization cost more per call
/// than the rest of the request put together, and the shape is fixed.
enum RequestBody {
    static func batchCheckLayerAvailability(_ batch: LayerBatch) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(64 + batch.digests.count * 74)
        out.append(contentsOf: #"{"layerDigests":["#.utf8)
        for (index, digest) in batch.digests.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            digest.appendUTF8(to: &out)
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "]"))
        if let registry = batch.repository.registryId {
            out.append(contentsOf: #","registryId":"#.utf8)
            appendQuoted(registry, to: &out)
        }
        out.append(contentsOf: #","repositoryName":"#.utf8)
        appendQuoted(batch.repository.repositoryName, to: &out)
        out.append(UInt8(ascii: "}"))
        return Data(out)
    }

    /// Appends a JSON string literal (RFC 8259 escaping).
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                out.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 0xf)],
                ])
            default: out.append(byte)  // UTF-8 of a valid String passes through unchanged.
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
