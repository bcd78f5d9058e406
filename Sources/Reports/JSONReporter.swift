import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `{"version":1, "findings":[...], "images":[...], "summary":{...}}`, stable key order for diffs; streamed, since
/// `images[].blobs` grows with the layer count and a whole encoded tree of it is many times the report's size.
public struct JSONReporter: StreamingReporter {
    public static let format = ReportFormat.json
    public init() {}

    public func write(_ report: RunReport, options: ReportOptions, to sink: ReportSink) {
        let json = StreamingJSON(sink: sink)
        sink.write("{\n  \"findings\" : ")
        json.array(report.findings, indent: 2) { sink.write(StreamingJSON.encoded($0, indent: 4)) }
        sink.write(",\n  \"images\" : ")
        json.array(report.images, indent: 2) { writeImage($0, json: json, indent: 4) }
        sink.write(",\n  \"summary\" : " + StreamingJSON.encoded(report.summary, indent: 2))
        sink.write(",\n  \"version\" : \(report.version)\n}\n")
    }

    /// The image's own fields through `JSONEncoder`, its blobs written one by one where the encoder put an empty list.
    private func writeImage(_ image: ImageResult, json: StreamingJSON, indent: Int) {
        var shell = image
        shell.blobs = []
        let text = StreamingJSON.encoded(shell, indent: indent)
        let inner = String(repeating: " ", count: indent + 2)
        let empty = "\"blobs\" : [\n\n" + inner + "]"
        guard let range = text.firstRange(of: empty) else {
            json.sink.write(StreamingJSON.encoded(image, indent: indent))
            return
        }
        json.sink.write(String(text[..<range.lowerBound]) + "\"blobs\" : ")
        image.withBlobRows { writeBlobs($0, json: json, indent: indent + 2) }
        json.sink.write(String(text[range.upperBound...]))
    }

    /// An image's blob rows, as JSONEncoder lays them out, built as bytes and handed to the sink in pieces of about
    /// 64 KiB: a row is the same few keys every time, and building each through string interpolation cost more than
    /// reading the image it describes.
    private func writeBlobs(_ blobs: BlobResults, json: StreamingJSON, indent: Int) {
        guard !blobs.isEmpty else {
            json.array(blobs, indent: indent) { _ in }
            return
        }
        let pad = [UInt8](repeating: UInt8(ascii: " "), count: indent)
        var out: [UInt8] = []
        out.reserveCapacity(68 << 10)
        var escaped: (type: String, text: [UInt8]) = ("", Array(StreamingJSON.string("").utf8))
        func put(_ text: StaticString) {
            out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }
        func field(_ name: StaticString) {
            out.append(contentsOf: pad)
            put("    \"")
            put(name)
            put("\" : ")
        }
        put("[\n")
        for (position, blob) in blobs.enumerated() {
            if position > 0 { put(",\n") }
            out.append(contentsOf: pad)
            put("  {\n")
            field("cached")
            if blob.cached { put("true,\n") } else { put("false,\n") }
            field("digest")
            put("\"")
            blob.digest.appendUTF8(to: &out)
            put("\",\n")
            field("mediaType")
            if escaped.type != blob.mediaType {
                escaped = (blob.mediaType, Array(StreamingJSON.string(blob.mediaType).utf8))
            }
            out.append(contentsOf: escaped.text)
            put(",\n")
            field("role")
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: blob.role.rawValue.utf8)
            put("\",\n")
            field("size")
            out.append(contentsOf: String(blob.size).utf8)
            put(",\n")
            field("status")
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: blob.status.rawValue.utf8)
            put("\"\n")
            out.append(contentsOf: pad)
            put("  }")
            if out.count >= 64 << 10 {
                json.sink.write(String(decoding: out, as: UTF8.self))
                out.removeAll(keepingCapacity: true)
            }
        }
        put("\n")
        out.append(contentsOf: pad)
        put("]")
        json.sink.write(String(decoding: out, as: UTF8.self))
    }
}
