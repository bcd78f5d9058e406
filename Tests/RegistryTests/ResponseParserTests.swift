import Checking
import Foundation
import ImageModel
import Testing

@testable import Registry

@Suite struct ResponseParserTests {
    static let a = Digest(sha256Hex: String(repeating: "a", count: 64))!
    static let b = Digest(sha256Hex: String(repeating: "b", count: 64))!
    static let c = Digest(sha256Hex: String(repeating: "c", count: 64))!

    /// The verdicts by digest (the parser gives them in the order asked).
    private func parse(_ json: String, _ requested: [Digest] = [a, b, c]) throws -> [Digest: LayerAnswer] {
        let verdicts = try ResponseParser.parse(Data(json.utf8), requested: requested)
        #expect(verdicts.count == requested.count, "one place per digest asked about")
        var byDigest: [Digest: LayerAnswer] = [:]
        for (digest, verdict) in zip(requested, verdicts) {
            if let verdict {
                #expect(byDigest[digest] == nil || byDigest[digest] == verdict, "a digest asked twice gets one verdict")
                byDigest[digest] = verdict
            }
        }
        return byDigest
    }

    @Test func verdictsComeInTheOrderAskedWhateverTheAnswersOrder() throws {
        let verdicts = try ResponseParser.parse(
            Data(
                """
                {"layers": [{"layerDigest": "\(Self.c)", "layerAvailability": "AVAILABLE", "layerSize": 3},
                            {"layerDigest": "\(Self.a)", "layerAvailability": "UNAVAILABLE"}]}
                """.utf8), requested: [Self.a, Self.b, Self.c, Self.a])
        #expect(
            verdicts == [
                .unavailable(reason: "the service reports it UNAVAILABLE"), nil, .available(size: 3, mediaType: nil),
                .unavailable(reason: "the service reports it UNAVAILABLE"),
            ])
    }

    @Test func bothMissingShapesMeanUnavailableAndInvalidIsInvalid() throws {
        let answers = try parse(
            """
            {"layers": [{"layerDigest": "\(Self.a)", "layerAvailability": "AVAILABLE", "layerSize": 12, "mediaType": "m"},
                        {"layerDigest": "\(Self.b)", "layerAvailability": "UNAVAILABLE"}],
             "failures": [{"layerDigest": "\(Self.c)", "failureCode": "MissingLayerDigest", "failureReason": "gone"}]}
            """)
        #expect(answers[Self.a] == .available(size: 12, mediaType: "m"))
        #expect(answers[Self.b] == .unavailable(reason: "the service reports it UNAVAILABLE"))
        #expect(answers[Self.c] == .unavailable(reason: "MissingLayerDigest: gone"))
        let invalid = try parse(#"{"failures": [{"layerDigest": "\#(Self.a)", "failureCode": "InvalidLayerDigest"}]}"#)
        #expect(invalid[Self.a] == .invalid(reason: "InvalidLayerDigest"))
    }

    @Test func nothingUnconfirmedPasses() throws {
        #expect(try parse("{}").isEmpty, "a digest in neither list has no verdict (a verification error later)")
        let unknownCode = try parse(
            """
            {"layers": [{"layerDigest": "\(Self.a)", "layerAvailability": "AVAILABLE"}],
             "failures": [{"layerDigest": "\(Self.a)", "failureCode": "SomethingNew"}]}
            """)
        #expect(unknownCode[Self.a] == nil, "an unknown failure code withdraws even an AVAILABLE")
        let conflicting = try parse(
            """
            {"layers": [{"layerDigest": "\(Self.a)", "layerAvailability": "UNAVAILABLE"},
                        {"layerDigest": "\(Self.a)", "layerAvailability": "AVAILABLE"}]}
            """)
        #expect(conflicting[Self.a] == .unavailable(reason: "the service reports it UNAVAILABLE"))
        let unrequested = try parse(
            #"{"layers": [{"layerDigest": "\#(Self.c)", "layerAvailability": "AVAILABLE"}]}"#, [Self.a])
        #expect(unrequested.isEmpty, "an answer about a digest we did not ask for is ignored")
    }

    @Test(arguments: [
        "not json", "[]", #"{"layers": "x"}"#, #"{"failures": 42}"#,
        #"{"layers": [{"layerAvailability": "AVAILABLE"}]}"#,
        #"{"layers": [{"layerDigest": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "layerAvailability": "MAYBE"}]}"#,
        #"{"layers": [{"layerDigest": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}]}"#,
        "",
    ])
    func wrongShapesAreErrors(body: String) {
        #expect(throws: ResponseParser.Malformed.self) {
            try ResponseParser.parse(Data(body.utf8), requested: [Self.a])
        }
    }
}
