import Foundation
import Testing

@testable import ImageModel

@Suite struct DigestTests {
    @Test(arguments: ["sha256:" + String(repeating: "a", count: 64), "sha512:" + String(repeating: "0", count: 128)])
    func validDigests(_ text: String) {
        #expect(Digest(text)?.string == text)
    }

    @Test(arguments: [
        "", "sha256:", "sha256:../../etc/passwd", "sha256:" + String(repeating: "A", count: 64),
        "sha256:" + String(repeating: "a", count: 63),
        "md5:" + String(repeating: "a", count: 32), "sha512:" + String(repeating: "a", count: 64),
        "sha256:" + String(repeating: "g", count: 64),
        "sha256" + String(repeating: "a", count: 64), " sha256:" + String(repeating: "a", count: 64),
    ])
    func invalidDigests(_ text: String) {
        #expect(Digest(text) == nil)
    }
}

@Suite struct ImageReferenceTests {
    @Test func parsesAliasRepositoryTagAndDigest() {
        #expect(
            ImageReference.ecrPublicRepository(from: "public.ecr.aws/demo/app:1.0")
                == RepositoryRef(registryId: "demo", repositoryName: "app"))
        #expect(
            ImageReference.ecrPublicRepository(from: "public.ecr.aws/demo/team/app")
                == RepositoryRef(registryId: "demo", repositoryName: "team/app"))
        let pinned = "public.ecr.aws/demo/app@sha256:" + String(repeating: "a", count: 64)
        #expect(ImageReference.ecrPublicRepository(from: pinned)?.repositoryName == "app")
        #expect(ImageReference.ecrPublicRepository(from: "docker.io/library/alpine:3") == nil)
        #expect(ImageReference.ecrPublicRepository(from: "public.ecr.aws/app") == nil)
        #expect(ImageReference.ecrPublicRepository(from: "public.ecr.aws/Demo/app") == nil)
    }

    @Test func repositoryNamePattern() {
        #expect(ImageReference.isValidRepositoryName("a/b-c.d_e"))
        #expect(!ImageReference.isValidRepositoryName("a"))
        #expect(!ImageReference.isValidRepositoryName("App"))
        #expect(!ImageReference.isValidRepositoryName("a//b"))
        #expect(!ImageReference.isValidRepositoryName("a--b"))
    }
}

@Suite struct GlobTests {
    @Test func matchesLikeGitignore() {
        #expect(Glob.matches(pattern: "build/oci/*", path: "build/oci/app"))
        #expect(!Glob.matches(pattern: "build/oci/*", path: "build/oci/app/x"))
        #expect(Glob.matches(pattern: "**/app", path: "a/b/app"))
        #expect(Glob.matches(pattern: "build/**", path: "build/a/b"))
        #expect(Glob.covers(pattern: "testdata/**", path: "testdata/x/y"))
        #expect(Glob.covers(pattern: "testdata", path: "testdata/x"))
        #expect(!Glob.covers(pattern: "testdata", path: "src/testdata2"))
    }
}

@Suite struct LineLocatorTests {
    @Test func findsTheLineOfTheFirstOccurrence() {
        let text = "{\n  \"a\": 1,\n  \"digest\": \"sha256:abc\"\n}\n"
        #expect(LineLocator.line(of: "sha256:abc", in: Data(text.utf8)) == 3)
        #expect(LineLocator.line(of: "nope", in: Data(text.utf8)) == 1)
    }
}

@Suite struct DocumentParserTests {
    @Test func rejectsOversizedAndMalformedDocuments() {
        #expect(throws: DocumentParser.Failure.self) {
            try DocumentParser.parse(Data(count: DocumentParser.maxDocumentSize + 1))
        }
        #expect(throws: DocumentParser.Failure.self) { try DocumentParser.parse(Data("{\"manifests\": [".utf8)) }
        #expect(throws: DocumentParser.Failure.self) { try DocumentParser.parse(Data("[1,2]".utf8)) }
        #expect(throws: DocumentParser.Failure.self) { try DocumentParser.parse(Data(#"{"manifests": "x"}"#.utf8)) }
    }

    @Test func namesTheFieldWithTheWrongType() {
        let text = #"{"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:a","size":"big"},"layers":[]}"#
        do {
            _ = try DocumentParser.parse(Data(text.utf8))
            Issue.record("expected a failure")
        } catch {
            #expect("\(error)".contains("config.size"))
        }
    }
}
