import Foundation
import TestSupport
import Testing

@testable import ImageModel

/// What a reader made of a document, as comparable text: the kind and every field (sorted JSON), or the error's type
/// and message (the message is a `manifest-invalid` finding's text, so it must be the same to the byte).
private func outcome(_ read: () throws -> ParsedDocument) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    do {
        switch try read() {
        case .index(let index): return "index " + String(decoding: try encoder.encode(index), as: UTF8.self)
        case .manifest(let manifest): return "manifest " + String(decoding: try encoder.encode(manifest), as: UTF8.self)
        }
    } catch {
        return "error \(type(of: error)): \(error)"
    }
}

private func configOutcome(_ config: ImageConfigDocument?) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    guard let config, let data = try? encoder.encode(config) else { return "nil" }
    return String(decoding: data, as: UTF8.self)
}

/// Every document of the fuzzer's seed corpus (umoci, skopeo, buildx, Docker list, referrer, LFS, hostile digests...):
/// each part of each seed, as `ParserHarness` splits it.
private func seedDocuments() -> [Data] {
    let directory = PackagePaths.root + "/fuzz/corpus"
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    return names.flatMap { name -> [Data] in
        guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { return [] }
        return ParserHarness.split(data).map { Data($0) }
    }
}

private let digestA = "sha256:" + String(repeating: "a", count: 64)

/// A manifest and an index with every field the reader knows, each one then replaced by every kind of JSON value, named
/// twice (the last one counts), written with escapes, or dropped.
private let templates = [
    """
    {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)","artifactType":"application/x",
     "config":{"mediaType":"\(MediaType.ociConfig)","digest":"\(digestA)","size":7,"data":"e30=",
      "annotations":{"k":"v"},"urls":["u"],"platform":{"os":"linux","architecture":"arm","variant":"v7"}},
     "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\(digestA)","size":1,
       "artifactType":"t"},
      {"mediaType":"x","digest":"sha256:1","size":-3,"urls":["a","b"]}],
     "annotations":{"io.containerd.image.name":"public.ecr.aws/a/b:1","x":""},
     "subject":{"mediaType":"\(MediaType.ociManifest)","digest":"\(digestA)","size":2}}
    """,
    """
    {"schemaVersion":2,"mediaType":"\(MediaType.ociIndex)","manifests":[
     {"mediaType":"\(MediaType.ociManifest)","digest":"\(digestA)","size":3,
      "platform":{"os":"linux","architecture":"amd64","os.features":["f"]},"annotations":{"a":"b"}},
     {"digest":"\(digestA)","size":4}],"annotations":{"org.opencontainers.image.ref.name":"v1"}}
    """,
]

private let replacements = [
    "null", "1", "-0", "1.5", "1e3", "99999999999999999999", "\"s\"", "\"\"", "true", "{}", "[]", "[null]", "[1]",
    "[\"x\"]", "[{}]", "{\"a\":1}", "{\"a\":null}", "{\"digest\":\"x\",\"size\":1}", "[{\"digest\":\"x\"}]",
]

/// The template documents with one value (found by its key) replaced, a key repeated, a key escaped or removed.
private func variations() -> [String] {
    var documents: [String] = []
    for template in templates {
        documents.append(template)
        var searchStart = template.startIndex
        while let quote = template[searchStart...].firstIndex(of: "\"") {
            guard let close = template[template.index(after: quote)...].firstIndex(of: "\""),
                template[template.index(after: close)...].first == ":"
            else {
                searchStart = template.index(after: quote)
                continue
            }
            let key = String(template[template.index(after: quote)..<close])
            let valueStart = template.index(close, offsetBy: 2)
            let valueEnd = endOfValue(in: template, from: valueStart)
            let before = template[..<valueStart]
            let after = template[valueEnd...]
            for replacement in replacements { documents.append(before + replacement + after) }
            let original = template[valueStart..<valueEnd]
            documents.append(before + "1, \"\(key)\": " + original + after)  // wrong, then right: the last counts
            documents.append(before + original + ", \"\(key)\": 1" + after)  // right, then wrong
            documents.append(before + original + ", \"\(key)\": null" + after)
            let escaped = key.isEmpty ? key : "\\u00" + String(key.utf8.first!, radix: 16) + key.dropFirst()
            documents.append(template[..<quote] + "\"\(escaped)\"" + template[template.index(after: close)...])
            searchStart = template.index(after: close)
        }
    }
    return documents
}

/// Where the JSON value starting at `start` ends (the templates hold no brackets, quotes or escapes inside strings).
private func endOfValue(in text: String, from start: String.Index) -> String.Index {
    let first = text[start]
    if first == "\"" {
        let close = text[text.index(after: start)...].firstIndex(of: "\"") ?? text.endIndex
        return text.index(after: close)
    }
    guard first == "{" || first == "[" else {
        return text[start...].firstIndex { $0 == "," || $0 == "}" || $0 == "]" || $0.isWhitespace } ?? text.endIndex
    }
    var depth = 0
    var index = start
    while index < text.endIndex {
        if text[index] == "{" || text[index] == "[" { depth += 1 }
        if text[index] == "}" || text[index] == "]" {
            depth -= 1
            if depth == 0 { return text.index(after: index) }
        }
        index = text.index(after: index)
    }
    return index
}

/// Broken and hostile documents: truncations and byte edits of real ones, and the shapes SPEC §3 names.
private func hostile(_ seeds: [Data]) -> [Data] {
    var documents: [Data] = []
    let edits: [UInt8] = [0x22, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x6E, 0x31, 0x5C, 0xC3, 0x00, 0x20, 0x2D]
    for seed in seeds.filter({ $0.first == UInt8(ascii: "{") }) {
        let bytes = [UInt8](seed)
        let step = max(1, bytes.count / 40)
        for cut in stride(from: 0, to: bytes.count, by: step) {
            documents.append(Data(bytes[..<cut]))
            for edit in edits where bytes[cut] != edit {
                var edited = bytes
                edited[cut] = edit
                documents.append(Data(edited))
            }
            var removed = bytes
            removed.remove(at: cut)
            documents.append(Data(removed))
        }
    }
    let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
    let deepObject = String(repeating: "{\"a\":", count: 520) + "1" + String(repeating: "}", count: 520)
    documents += [
        "", " ", "[]", "\"top\"", "42", "null", "{}", "\u{FEFF}{\"manifests\":[]}", "{\"manifests\":[]} x", deep,
        "{\"manifests\":[], \"annotations\":\(deepObject)}", "{\"schemaVersion\":1,\"fsLayers\":[]}",
        "{\"schemaVersion\":1}", "{\"fsLayers\":null}", "{\"mediaType\":\"application/x\"}",
        "{\"manifests\":null}", "{\"config\":null}", "{\"layers\":null}", "{\"config\":null,\"layers\":[]}",
        "{\"mediaType\":\"\(MediaType.ociIndex)\"}", "{\"mediaType\":\"\(MediaType.ociManifest)\",\"layers\":[]}",
        "{\"manifests\":[],\"schemaVersion\":99999999999999999999}", "{\"manifests\":[],\"schemaVersion\":-1}",
        "{\"mediaType\":\"invalid\",\"config\":{\"digest\":\"x\",\"size\":1},\"layers\":[]}",
        "{\"mediaType\":\"application/x\",\"manifests\":[]}", "{\"mediaType\":\"\",\"manifests\":[]}",
        "{\"manifests\":[{\"digest\":\"\\u00e9\\ud83d\\ude00\\ud800\",\"size\":1}]}",
        "{\"manifests\":[{\"digest\":\"\u{00e9}\",\"size\":1e2}]}",
        "{\"manifests\":[{\"digest\":\"x\",\"size\":1,\"annotations\":{\"K\":1,\"\u{212A}\":\"v\"}}]}",
        "{\"manifests\":[{\"digest\":\"x\",\"size\":1,\"annotations\":{\"a\":\"v\",\"a\":[]}}]}",
    ].map { Data($0.utf8) }
    documents.append(Data([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]))  // {"\xC3(":1}
    documents.append(Data([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D]))  // {"a":"\xC3("}
    // {"a":"\n\xC3("}: escaped, then not UTF-8
    documents.append(Data([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22, 0x7D]))
    documents.append(Data(count: DocumentParser.maxDocumentSize + 1))
    return documents
}

/// The pull reader must accept, refuse and report exactly what the tree reader did, on real documents and hostile ones:
/// its results become images and `manifest-invalid` findings whose text users and goldens see.
@Test func documentParserAgreesWithTheTreeReader() {
    let seeds = seedDocuments()
    #expect(seeds.count >= 20)
    let corpus = seeds + variations().map { Data($0.utf8) } + hostile(seeds)
    #expect(corpus.count > 5000)
    var disagreements = 0
    for document in corpus {
        for declared in [nil, MediaType.ociIndex, MediaType.ociManifest] {
            let old = outcome { try TreeDocumentParser.parse(document, declaredMediaType: declared) }
            let new = outcome { try DocumentParser.parse(document, declaredMediaType: declared) }
            if old != new && disagreements < 10 {
                let shown = String(decoding: document.prefix(300), as: UTF8.self).debugDescription
                Issue.record("\(shown)\nold: \(old)\nnew: \(new)")
            }
            if old != new { disagreements += 1 }
        }
        let oldConfig = configOutcome(TreeDocumentParser.parseConfig(document))
        let newConfig = configOutcome(DocumentParser.parseConfig(document))
        #expect(oldConfig == newConfig, "\(String(decoding: document.prefix(300), as: UTF8.self).debugDescription)")
    }
    #expect(disagreements == 0)
}

/// Checking a document without building it refuses what `JSONValue.parse` refuses, at the same byte, for the same
/// reason.
@Test func skippingAValueFailsExactlyWhereParsingItFails() {
    for document in hostile(seedDocuments()) {
        let parsed: String
        do {
            _ = try JSONValue.parse(document)
            parsed = "ok"
        } catch {
            parsed = "\(error)"
        }
        let checked: String
        do {
            _ = try document.withUnsafeBytes { raw in
                var reader = JSONReader(raw.bindMemory(to: UInt8.self))
                return try reader.checkDocument()
            }
            checked = "ok"
        } catch {
            checked = "\(error)"
        }
        #expect(parsed == checked, "\(String(decoding: document.prefix(200), as: UTF8.self).debugDescription)")
    }
}

/// Of several annotation values that are not strings, the first in the document is named (the tree reader named any).
@Test func theFirstBadAnnotationIsNamed() {
    let document = #"{"manifests":[{"digest":"x","size":1,"annotations":{"b":"v","c":1,"a":2}}]}"#
    #expect(throws: DocumentParser.Failure.self) { try DocumentParser.parse(Data(document.utf8)) }
    do {
        _ = try DocumentParser.parse(Data(document.utf8))
    } catch {
        #expect("\(error)" == "manifests[0].annotations.c: expected String")
    }
}
