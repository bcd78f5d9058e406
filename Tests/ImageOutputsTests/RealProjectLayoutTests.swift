import Foundation
import ImageModel
import Testing

@testable import ImageOutputs

/// Other OCI projects' layout test data, read as committed (exact bytes; blobs the projects leave out stay out): the
/// images, blobs, platforms and findings verified by hand against the files. Sources (Apache-2.0 each):
/// google/go-containerregistry `pkg/v1/layout/testdata`, regclient/regclient `testdata/external`, containers/image
/// `oci/layout/fixtures`.
struct RealLayout: Sendable, CustomStringConvertible {
    let description: String
    let files: [String: String]
    /// (ref name or name, blob digests config first, platform) per image, in walk order.
    let images: [(String, [String], String)]
    /// (rule, line, path) per finding.
    let findings: [(String, Int, String)]

    static let all: [RealLayout] = [
        RealLayout(
            description: "go-containerregistry pkg/v1/layout/testdata/test_index_one_image",
            files: [
                "img/blobs/sha256/381d958b555884ba59574ab5c066e9f6116b5aec3567675aa13bec63331f0810":
                    "{\"created\":\"2020-04-12T10:58:48.626858334Z\",\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:59cd31f50f7442a662d7c31b7a12079ade16892bfb465b33da49918e7d13e747\"]},\"history\":[{\"created\":\"2020-04-12T10:58:48.626858334Z\",\"created_by\":\"/bin/sh -c #(nop) COPY file:a34f6c104b4cb0668083b4de122deebb3e3629e212f82c32fec316dd8e3a1931 in / \"}]}",
                "img/blobs/sha256/98ceaf93e482fe91b9bfd6bba07137c098e49ee2d55e69f09fb6c951e75e0e46":
                    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:381d958b555884ba59574ab5c066e9f6116b5aec3567675aa13bec63331f0810\",\"size\":452},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:492b89b9dd3cda4596f94916d17f6901455fb8bd7f4c5a2a90df8d39c90f48a0\",\"size\":114}]}",
                "img/index.json":
                    "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:98ceaf93e482fe91b9bfd6bba07137c098e49ee2d55e69f09fb6c951e75e0e46\",\"size\":344}]}",
            ],
            images: [
                (
                    "",
                    [
                        "sha256:381d958b555884ba59574ab5c066e9f6116b5aec3567675aa13bec63331f0810",
                        "sha256:492b89b9dd3cda4596f94916d17f6901455fb8bd7f4c5a2a90df8d39c90f48a0",
                    ], "linux/amd64"
                )
            ],
            findings: []),
        RealLayout(
            description: "go-containerregistry pkg/v1/layout/testdata/test_index_media_type (a Helm chart)",
            files: [
                "img/blobs/sha256/b544f71ecd82372bc9a3c0dbef378abfd2734fe437df81ff6e242a0d720d8e3e":
                    "{\n  \"schemaVersion\": 2,\n  \"config\": {\n    \"mediaType\": \"application/vnd.cncf.helm.config.v1+json\",\n    \"digest\": \"sha256:ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356\",\n    \"size\": 3\n  },\n  \"layers\": [\n    {\n      \"mediaType\": \"application/tar+gzip\",\n      \"digest\": \"sha256:dc52c6e48a1d51a96047b059f16889bc889c4b4c28f3b36b3f93187f62fc0b2b\",\n      \"size\": 167\n    }\n  ]\n}\n",
                "img/index.json":
                    "{\n  \"schemaVersion\": 2,\n  \"manifests\": [\n    {\n      \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n      \"size\": 391,\n      \"digest\": \"sha256:b544f71ecd82372bc9a3c0dbef378abfd2734fe437df81ff6e242a0d720d8e3e\"\n    }\n  ]\n}\n",
            ],
            images: [
                (
                    "",
                    [
                        "sha256:ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356",
                        "sha256:dc52c6e48a1d51a96047b059f16889bc889c4b4c28f3b36b3f93187f62fc0b2b",
                    ], ""
                )
            ],
            findings: []),
        RealLayout(
            description: "regclient testdata/external (referrers under a sha256- tag)",
            files: [
                "img/blobs/sha256/10da16ba987f09d22f844762c8e8eb012f272c05298e778da8f5c936cece447e":
                    "bacon\n",
                "img/blobs/sha256/30cc0c708132298dd05b03e22eab4ecf99aa0ed0ce9c4904c2b5895707381576":
                    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"artifactType\":\"application/example.sbom\",\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},\"layers\":[{\"mediaType\":\"application/example.sbom.breakfast\",\"digest\":\"sha256:10da16ba987f09d22f844762c8e8eb012f272c05298e778da8f5c936cece447e\",\"size\":6}],\"subject\":{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"sha256:dfae8f425735a5e3a72e40d6609e03079995511d48157c74d54801ff4430491e\",\"size\":934},\"annotations\":{\"preference\":\"1\"}}",
                "img/blobs/sha256/70a9aadde0b56e4dc849ae4436bebcf019726539bf68143af937e3ab556c5234":
                    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:30cc0c708132298dd05b03e22eab4ecf99aa0ed0ce9c4904c2b5895707381576\",\"size\":616,\"annotations\":{\"preference\":\"1\"},\"artifactType\":\"application/example.sbom\"},{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:c46d306320ae27079061660f74ec841b25d9a423fbaddeebe641b3d66f3e1206\",\"size\":616,\"annotations\":{\"preference\":\"2\"},\"artifactType\":\"application/example.sbom\"}]}",
                "img/blobs/sha256/89a93d620ac3b3db3ada5d0ec425b913b18e591567beee7bc2ed1c09f6fe01d1":
                    "ham\n",
                "img/blobs/sha256/c46d306320ae27079061660f74ec841b25d9a423fbaddeebe641b3d66f3e1206":
                    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"artifactType\":\"application/example.sbom\",\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},\"layers\":[{\"mediaType\":\"application/example.sbom.breakfast\",\"digest\":\"sha256:89a93d620ac3b3db3ada5d0ec425b913b18e591567beee7bc2ed1c09f6fe01d1\",\"size\":4}],\"subject\":{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"sha256:dfae8f425735a5e3a72e40d6609e03079995511d48157c74d54801ff4430491e\",\"size\":934},\"annotations\":{\"preference\":\"2\"}}",
                "img/index.json":
                    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:30cc0c708132298dd05b03e22eab4ecf99aa0ed0ce9c4904c2b5895707381576\",\"size\":616,\"annotations\":{\"org.opencontainers.image.ref.name\":\"a3\"}},{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"sha256:70a9aadde0b56e4dc849ae4436bebcf019726539bf68143af937e3ab556c5234\",\"size\":543,\"annotations\":{\"org.opencontainers.image.ref.name\":\"sha256-dfae8f425735a5e3a72e40d6609e03079995511d48157c74d54801ff4430491e\"}},{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:c46d306320ae27079061660f74ec841b25d9a423fbaddeebe641b3d66f3e1206\",\"size\":616,\"annotations\":{\"org.opencontainers.image.ref.name\":\"a4\"}}]}",
            ],
            images: [
                (
                    "a3",
                    [
                        "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                        "sha256:10da16ba987f09d22f844762c8e8eb012f272c05298e778da8f5c936cece447e",
                    ], ""
                ),
                (
                    "sha256-dfae8f425735a5e3a72e40d6609e03079995511d48157c74d54801ff4430491e",
                    [
                        "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                        "sha256:10da16ba987f09d22f844762c8e8eb012f272c05298e778da8f5c936cece447e",
                    ], ""
                ),
                (
                    "sha256-dfae8f425735a5e3a72e40d6609e03079995511d48157c74d54801ff4430491e",
                    [
                        "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                        "sha256:89a93d620ac3b3db3ada5d0ec425b913b18e591567beee7bc2ed1c09f6fe01d1",
                    ], ""
                ),
                (
                    "a4",
                    [
                        "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                        "sha256:89a93d620ac3b3db3ada5d0ec425b913b18e591567beee7bc2ed1c09f6fe01d1",
                    ], ""
                ),
            ],
            findings: []),
        RealLayout(
            description:
                "containers/image oci/layout/fixtures/name_lookups (blobs left out, an entry whose media type is no media type)",
            files: [
                "img/index.json":
                    "{\n    \"schemaVersion\": 2,\n    \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n    \"manifests\": [\n        {\n            \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n            \"digest\": \"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\n            \"size\": 1,\n            \"annotations\": {\n                \"org.opencontainers.image.ref.name\": \"a\"\n            }\n        },\n        {\n            \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n            \"digest\": \"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\n            \"size\": 2,\n            \"annotations\": {\n                \"org.opencontainers.image.ref.name\": \"b\"\n            }\n        },\n        {\n            \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n            \"digest\": \"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\",\n            \"size\": 3,\n            \"annotations\": {\n                \"org.opencontainers.image.ref.name\": \"invalid-mime\"\n            }\n        },\n        {\n            \"mediaType\": \"x-completely-unknown\",\n            \"digest\": \"sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\",\n            \"size\": 4,\n            \"annotations\": {\n                \"org.opencontainers.image.ref.name\": \"invalid-mime\"\n            }\n        }\n    ]\n}\n"
            ],
            images: [],
            findings: [
                ("blob-missing", 7, "img/index.json"), ("blob-missing", 15, "img/index.json"),
                ("blob-missing", 23, "img/index.json"), ("manifest-invalid", 31, "img/index.json"),
            ]),
    ]
}

@Test(arguments: RealLayout.all + RealLayout.more)
func otherProjectsLayoutsReadAsVerifiedByHand(_ real: RealLayout) {
    let layout = MemoryLayout()
    for (path, text) in real.files { layout.files[path] = Data(text.utf8) }
    let result = readLayout(layout)
    #expect(result.images.map { $0.refName ?? $0.name ?? "" } == real.images.map(\.0))
    #expect(result.images.map { $0.blobs.map(\.digest.string) } == real.images.map(\.1))
    #expect(result.images.map { $0.platform?.description ?? "" } == real.images.map(\.2))
    let found = result.allFindings
    #expect(found.map(\.rule.rawValue) == real.findings.map(\.0), "\(found)")
    #expect(found.map(\.line) == real.findings.map(\.1))
    #expect(found.map(\.path) == real.findings.map(\.2))
}
