import Foundation
import ImageModel
import Testing

@testable import Reports

/// Records every piece a reporter hands over, so a test sees whether the report was streamed or built whole.
private final class RecordingSink: ReportSink {
    var pieces: [String] = []
    func write(_ text: String) { pieces.append(text) }
    var text: String { pieces.joined() }
    var largest: Int { pieces.map(\.utf8.count).max() ?? 0 }
}

/// The streaming JSON, SARIF and JUnit writers against what the encoders wrote before them, and their memory shape.
@Suite struct StreamingTests {
    static let options = ReportOptions(toolVersion: "1.2.3")

    /// What `JSONEncoder` writes for the whole value: the streaming writers must print the same bytes.
    static func encoded<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    /// A clean run of `images` images of `layers` layers each, with escapes in a message and media type.
    static func large(images: Int, layers: Int) -> RunReport {
        var results: [ImageResult] = []
        for image in 0..<images {
            var blobs: [BlobResult] = []
            for layer in 0..<layers {
                var bytes = [UInt8](repeating: 0, count: 32)
                bytes[0] = UInt8(image & 0xff)
                bytes[1] = UInt8(layer & 0xff)
                bytes[2] = UInt8(layer >> 8)
                guard let digest = Digest(sha256Bytes: bytes) else { continue }
                blobs.append(
                    BlobResult(
                        digest: digest, size: Int64(layer * 1000 + 1),
                        // Every fifth a media type that needs escapes, so rows switch between the two.
                        mediaType: layer % 5 == 1
                            ? "application/x\"odd\\type\u{01}\té" : "application/vnd.oci.image.layer.v1.tar+gzip",
                        role: layer == 0 ? .config : .layer, status: layer % 7 == 0 ? .unavailable : .available,
                        cached: layer % 3 == 0))
            }
            results.append(
                ImageResult(
                    name: "public.ecr.aws/demo/app\(image):1", path: "images/app\(image)",
                    manifestPath: "images/app\(image)/index.json",
                    manifestDigest: nil, platform: "linux/amd64", repository: "public.ecr.aws/demo/app\(image)",
                    commit: Fixtures.commit, blobs: blobs, errors: 0, warnings: 0, notices: 0))
        }
        let finding = Finding(
            rule: .layerUnavailable, message: "quote \" backslash \\ tab \t newline \n bell \u{07} slash / é",
            path: "images/app0/index.json", line: 3, commit: Fixtures.commit, image: "public.ecr.aws/demo/app0:1",
            digest: Fixtures.digest("a"), repository: "public.ecr.aws/demo/app0")
        var summary = Summary()
        summary.images = images
        summary.layers = images * layers
        summary.durationSeconds = 1.25
        return RunReport(findings: [finding], images: results, summary: summary)
    }

    @Test(arguments: ["mixed", "clean", "large"])
    func jsonIsByteIdenticalToTheEncoder(fixture: String) throws {
        let report =
            fixture == "mixed"
            ? Fixtures.mixed : fixture == "clean" ? Fixtures.clean : Self.large(images: 3, layers: 20)
        #expect(JSONReporter().render(report, options: Self.options) == (try Self.encoded(report)))
    }

    @Test(arguments: ["mixed", "clean", "large"])
    func sarifIsByteIdenticalToTheEncoder(fixture: String) throws {
        let report =
            fixture == "mixed"
            ? Fixtures.mixed : fixture == "clean" ? Fixtures.clean : Self.large(images: 3, layers: 20)
        let whole = try Self.encoded(SARIFReporter().log(report, toolVersion: Self.options.toolVersion))
        #expect(SARIFReporter().render(report, options: Self.options) == whole)
    }

    /// Streaming means no piece grows with the layer count: 20,000 blobs (about 6 MB of rows) arrive in pieces of at
    /// most 64 KiB and one row, many of them.
    @Test func jsonIsHandedOverInPiecesThatDoNotGrowWithTheRun() throws {
        let report = Self.large(images: 20, layers: 1000)
        let sink = RecordingSink()
        JSONReporter().write(report, options: Self.options, to: sink)
        #expect(sink.largest < (64 << 10) + 2048, "largest piece \(sink.largest) bytes")
        #expect(sink.pieces.count > 90, "\(sink.pieces.count) pieces for \(sink.text.utf8.count) bytes")
        let parsed = try JSONSerialization.jsonObject(with: Data(sink.text.utf8)) as? [String: Any]
        let images = try #require(parsed?["images"] as? [[String: Any]])
        #expect(images.count == 20)
        #expect(images.allSatisfy { ($0["blobs"] as? [Any])?.count == 1000 })
    }

    @Test func sarifIsHandedOverPerResultAndJUnitPerImage() throws {
        let cases: [(Reporter, RunReport)] = [
            (SARIFReporter(), Fixtures.many(errors: 300, warnings: 0, notices: 0)),
            (JUnitReporter(), Self.large(images: 50, layers: 10)),
        ]
        for (reporter, report) in cases {
            let sink = RecordingSink()
            reporter.write(report, options: Self.options, to: sink)
            #expect(sink.text == reporter.render(report, options: Self.options))
            #expect(
                sink.largest < sink.text.utf8.count / 10,
                "\(type(of: reporter)) wrote a piece of \(sink.largest) of \(sink.text.utf8.count) bytes")
        }
    }

    @Test func stringEscapesMatchTheEncoder() throws {
        for text in ["plain", "q\"b\\s/", "\u{0}\u{1f}\u{7f}\u{08}\u{0c}\r\n\t", "é€😀"] {
            #expect(StreamingJSON.string(text) + "\n" == (try Self.encoded(text)))
        }
    }
}
