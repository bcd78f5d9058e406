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
        let pad = String(repeating: " ", count: indent + 4)
        json.array(image.blobs, indent: indent + 2) { blob in
            json.sink.write(
                "{\n\(pad)  \"cached\" : \(blob.cached),\n\(pad)  \"digest\" : \"\(blob.digest.string)\",\n"
                    + "\(pad)  \"mediaType\" : \(StreamingJSON.string(blob.mediaType)),\n\(pad)  \"role\" : \"\(blob.role.rawValue)\",\n"
                    + "\(pad)  \"size\" : \(blob.size),\n\(pad)  \"status\" : \"\(blob.status.rawValue)\"\n\(pad)}")
        }
        json.sink.write(String(text[range.upperBound...]))
    }
}
