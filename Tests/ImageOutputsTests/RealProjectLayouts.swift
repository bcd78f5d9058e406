import Foundation

/// More of other OCI projects' layout test data (Apache-2.0 each), as committed in google/go-containerregistry
/// `pkg/v1/layout/testdata` and containers/image `oci/layout/fixtures`: the JSON documents at hand, byte for byte (each
/// named blob hashes to its name); binary layers and blobs not at hand are left out, so the registry is asked for them or
/// their index entries are `blob-missing`. Images, blobs, platforms and findings verified by hand against the files.
extension RealLayout {
    static let more: [RealLayout] = [
        RealLayout(
            description:
                "go-containerregistry pkg/v1/layout/testdata/test_with_ref (full references with digests; no blobs)",
            files: [
                "img/index.json":
                    "{\n  \"schemaVersion\": 2,\n  \"manifests\": [\n    {\n      \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n      \"size\": 423,\n      \"digest\": \"sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650\",\n      \"annotations\": {\n        \"org.opencontainers.image.ref.name\": \"reg.local/repo1@sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650\"\n      }\n    },\n    {\n      \"mediaType\": \"application/vnd.oci.descriptor.v1+json\",\n      \"size\": 423,\n      \"digest\": \"sha256:32589985702551b6c56033bb3334432a0a513bf9d6aceda0f67c42b003850720\",\n      \"annotations\": {\n        \"org.opencontainers.image.ref.name\": \"reg.local/repo2@sha256:32589985702551b6c56033bb3334432a0a513bf9d6aceda0f67c42b003850720\"\n      }\n    },\n    {\n      \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n      \"size\": 314,\n      \"digest\": \"sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b5\",\n      \"annotations\": {\n        \"org.opencontainers.image.ref.name\": \"reg.local/repo3@sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b5\"\n      }\n    },\n    {\n      \"mediaType\": \"application/vnd.docker.distribution.manifest.list.v2+json\",\n      \"size\": 314,\n      \"digest\": \"sha256:2b29a2b8dea3af91ea7d0154be1da0c92d55ddd098540930fc8d3db7de377fdb\",\n      \"annotations\": {\n        \"org.opencontainers.image.ref.name\": \"reg.local/repo4@sha256:2b29a2b8dea3af91ea7d0154be1da0c92d55ddd098540930fc8d3db7de377fdb\"\n      }\n    },\n    {\n      \"mediaType\": \"application/vnd.docker.distribution.manifest.list.v2+json\",\n      \"size\": 314,\n      \"digest\": \"sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b5\",\n      \"annotations\": {\n        \"org.opencontainers.image.ref.name\": \"reg.local/repo4:latest\"\n      }\n    }\n  ]\n}\n"
            ],
            images: [],
            findings: [
                ("blob-missing", 7, "img/index.json"), ("blob-missing", 23, "img/index.json"),
                ("blob-missing", 31, "img/index.json"), ("blob-missing", 39, "img/index.json"),
            ]),
        RealLayout(
            description:
                "go-containerregistry pkg/v1/layout/testdata/test_index (its index.json and the Docker-typed nested index)",
            files: [
                "img/blobs/sha256/2b29a2b8dea3af91ea7d0154be1da0c92d55ddd098540930fc8d3db7de377fdb":
                    "{\n  \"schemaVersion\": 2,\n  \"manifests\": [\n    {\n      \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n      \"size\": 423,\n      \"digest\": \"sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650\",\n      \"annotations\": {\n        \"org.opencontainers.image.ref.name\": \"4\"\n      }\n    }\n  ]\n}\n",
                "img/index.json":
                    "{\n  \"schemaVersion\": 2,\n  \"manifests\": [\n    {\n      \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n      \"size\": 423,\n      \"digest\": \"sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650\",\n      \"annotations\": {\n        \"org.opencontainers.image.ref.name\": \"1\"\n      }\n    },\n    {\n      \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n      \"size\": 423,\n      \"digest\": \"sha256:32589985702551b6c56033bb3334432a0a513bf9d6aceda0f67c42b003850720\",\n      \"annotations\": {\n        \"org.opencontainers.image.ref.name\": \"2\"\n      }\n    },\n    {\n      \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n      \"size\": 314,\n      \"digest\": \"sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b5\",\n      \"annotations\": {\n        \"org.opencontainers.image.ref.name\": \"3\"\n      }\n    },\n    {\n      \"mediaType\": \"application/vnd.docker.distribution.manifest.list.v2+json\",\n      \"size\": 314,\n      \"digest\": \"sha256:2b29a2b8dea3af91ea7d0154be1da0c92d55ddd098540930fc8d3db7de377fdb\",\n      \"annotations\": {\n        \"org.opencontainers.image.ref.name\": \"4\"\n      }\n    }\n  ]\n}\n",
            ],
            images: [],
            findings: [
                ("blob-missing", 7, "img/index.json"), ("blob-missing", 15, "img/index.json"),
                ("blob-missing", 23, "img/index.json"),
                (
                    "blob-missing", 7,
                    "img/blobs/sha256/2b29a2b8dea3af91ea7d0154be1da0c92d55ddd098540930fc8d3db7de377fdb"
                ),
            ]),
        RealLayout(
            description:
                "containers/image oci/layout/fixtures/delete_image_multiple_images (JSON documents; 1.0.0's manifest gives its 584-byte config as 585)",
            files: [
                "img/blobs/sha256/0dc27f36a618c110ae851662c13283e9fbc1b5a5de003befc4bcefa5a05d2eef":
                    "{\n    \"schemaVersion\": 2,\n    \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n    \"config\": {\n        \"mediaType\": \"application/vnd.oci.image.config.v1+json\",\n        \"digest\": \"sha256:913cf3a39d377faf89ed388ad913a318a390488c9f34c46e43424795cdabffe8\",\n        \"size\": 585\n    },\n    \"layers\": [\n        {\n            \"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\",\n            \"digest\": \"sha256:a6f737ac2b84bc463f2ff721af39588c69646c82f79f3808236178e02e35b922\",\n            \"size\": 33\n        }\n    ]\n}",
                "img/blobs/sha256/39c524417bb4228f9fcb0aef43a680b5fd6b9f3a1df2fd50509d047e47dad8be":
                    "{\n    \"schemaVersion\": 2,\n    \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n    \"config\": {\n        \"mediaType\": \"application/vnd.oci.image.config.v1+json\",\n        \"digest\": \"sha256:f732172ad8d2a666550fa3ec37a5153d59acc95744562ae64cf62ded46de101a\",\n        \"size\": 583\n    },\n    \"layers\": [\n        {\n            \"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\",\n            \"digest\": \"sha256:02ea786cb1ff44d997661886a4186cbd8a1dc466938712bf7281379209476022\",\n            \"size\": 34\n        }\n    ]\n}",
                "img/blobs/sha256/5b2aba4d3c27bc6493633d0ec446b25c8d0a5c9cfe99894bcdff0aee80813805":
                    "{\n    \"schemaVersion\": 2,\n    \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n    \"config\": {\n        \"mediaType\": \"application/vnd.oci.image.config.v1+json\",\n        \"digest\": \"sha256:df11bc189adeb50dadb3291a3a7f2c34b36e0efdba0df70f2c8a2d761b215cde\",\n        \"size\": 585\n    },\n    \"layers\": [\n        {\n            \"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\",\n            \"digest\": \"sha256:986315a0e599fac2b80eb31db2124dab8d3de04d7ca98b254999bd913c1f73fe\",\n            \"size\": 33\n        }\n    ]\n}",
                "img/blobs/sha256/861d3c014b0e3edcf80e6221247d6b2921a4f892feb9bafe9515b9975b78c44f":
                    "{\n    \"schemaVersion\": 2,\n    \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n    \"manifests\": [\n        {\n            \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n            \"digest\": \"sha256:39c524417bb4228f9fcb0aef43a680b5fd6b9f3a1df2fd50509d047e47dad8be\",\n            \"size\": 525,\n            \"platform\": {\n                \"architecture\": \"amd64\",\n                \"os\": \"linux\"\n            }\n        },\n        {\n            \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n            \"digest\": \"sha256:be6036f9b6a4e120a04868c47f1b8674f58b2fe5e410cba9f585a13ca8946cf0\",\n            \"size\": 525,\n            \"platform\": {\n                \"architecture\": \"386\",\n                \"os\": \"linux\"\n            }\n        }\n    ]\n}",
                "img/blobs/sha256/913cf3a39d377faf89ed388ad913a318a390488c9f34c46e43424795cdabffe8":
                    "{\"created\":\"2023-08-07T19:20:20.894140623Z\",\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:4693057ce2364720d39e57e85a5b8e0bd9ac3573716237736d6470ec5b7b7230\"]},\"history\":[{\"created\":\"2023-08-07T19:20:20.71894984Z\",\"created_by\":\"/bin/sh -c #(nop) ADD file:32ff5e7a78b890996ee4681cc0a26185d3e9acdb4eb1e2aaccb2411f922fed6b in / \"},{\"created\":\"2023-08-07T19:20:20.894140623Z\",\"created_by\":\"/bin/sh -c #(nop)  CMD [\\\"/bin/sh\\\"]\",\"empty_layer\":true}]}",
                "img/blobs/sha256/93cbd11a4f41467a0409b975499ae711bc6f8222de38d9f1b5a4097583195ad5":
                    "{\n    \"schemaVersion\": 2,\n    \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n    \"config\": {\n        \"mediaType\": \"application/vnd.oci.image.config.v1+json\",\n        \"digest\": \"sha256:913cf3a39d377faf89ed388ad913a318a390488c9f34c46e43424795cdabffe8\",\n        \"size\": 584\n    },\n    \"layers\": [\n        {\n            \"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\",\n            \"digest\": \"sha256:557ac7d133b7770216a8101268640edf4e88beab1b4e1e1bfc9b1891a1cab861\",\n            \"size\": 33\n        }\n    ]\n}",
                "img/blobs/sha256/a2f798327b3f25e3eff54badcb769953de235e62e3e32051d57a5e66246de4a1":
                    "{\n    \"schemaVersion\": 2,\n    \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n    \"manifests\": [\n        {\n            \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n            \"digest\": \"sha256:93cbd11a4f41467a0409b975499ae711bc6f8222de38d9f1b5a4097583195ad5\",\n            \"size\": 525,\n            \"platform\": {\n                \"architecture\": \"amd64\",\n                \"os\": \"linux\"\n            }\n        },\n        {\n            \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n            \"digest\": \"sha256:f6d60fd529b234d3e28837e15294d935f55da58ce57c4f9218cad38d0be82ce3\",\n            \"size\": 525,\n            \"platform\": {\n                \"architecture\": \"386\",\n                \"os\": \"linux\"\n            }\n        }\n    ]\n}",
                "img/blobs/sha256/be6036f9b6a4e120a04868c47f1b8674f58b2fe5e410cba9f585a13ca8946cf0":
                    "{\n    \"schemaVersion\": 2,\n    \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n    \"config\": {\n        \"mediaType\": \"application/vnd.oci.image.config.v1+json\",\n        \"digest\": \"sha256:7ffdfe7d276286b39a203dcc247949cf47c91d2d5e10a53a675c0962ed9e4402\",\n        \"size\": 583\n    },\n    \"layers\": [\n        {\n            \"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\",\n            \"digest\": \"sha256:e2f7e0374fd6a03d9c373f4d9a0c7802045cc3ddcc1433e89d83b81fa7007242\",\n            \"size\": 33\n        }\n    ]\n}",
                "img/blobs/sha256/df11bc189adeb50dadb3291a3a7f2c34b36e0efdba0df70f2c8a2d761b215cde":
                    "{\"created\":\"2023-08-07T19:20:26.426857961Z\",\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:36b50b131297b8860da51b2d2b24bb4c08dfbdf2789b08e3cc0f187c98637a19\"]},\"history\":[{\"created\":\"2023-08-07T19:20:26.326707843Z\",\"created_by\":\"/bin/sh -c #(nop) ADD file:6dd87346b8be240b21b4f4d9296253bf0d28b6579aa52d2118872e3936963b6b in / \"},{\"created\":\"2023-08-07T19:20:26.426857961Z\",\"created_by\":\"/bin/sh -c #(nop)  CMD [\\\"/bin/sh\\\"]\",\"empty_layer\":true}]}",
                "img/blobs/sha256/f6d60fd529b234d3e28837e15294d935f55da58ce57c4f9218cad38d0be82ce3":
                    "{\n    \"schemaVersion\": 2,\n    \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n    \"config\": {\n        \"mediaType\": \"application/vnd.oci.image.config.v1+json\",\n        \"digest\": \"sha256:aab808b283c3f654d84358a40ce8766ecd552249305141de88f0ca61f3d1368f\",\n        \"size\": 582\n    },\n    \"layers\": [\n        {\n            \"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\",\n            \"digest\": \"sha256:e19729d5a968c71b4b691d60f4a6f85f93c303bb88635dcfef36e23b76cb7b3a\",\n            \"size\": 34\n        }\n    ]\n}",
                "img/index.json":
                    "{\n    \"schemaVersion\": 2,\n    \"manifests\": [\n        {\n            \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n            \"digest\": \"sha256:a2f798327b3f25e3eff54badcb769953de235e62e3e32051d57a5e66246de4a1\",\n            \"size\": 759,\n            \"annotations\": {\n                \"org.opencontainers.image.ref.name\": \"latest\"\n            }\n        },\n        {\n            \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n            \"digest\": \"sha256:a2f798327b3f25e3eff54badcb769953de235e62e3e32051d57a5e66246de4a1\",\n            \"size\": 759,\n            \"annotations\": {\n                \"org.opencontainers.image.ref.name\": \"3.18.3\"\n            }\n        },\n        {\n            \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n            \"digest\": \"sha256:93cbd11a4f41467a0409b975499ae711bc6f8222de38d9f1b5a4097583195ad5\",\n            \"size\": 525,\n            \"annotations\": {\n                \"org.opencontainers.image.ref.name\": \"3\"\n            }\n        },\n        {\n            \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n            \"digest\": \"sha256:93cbd11a4f41467a0409b975499ae711bc6f8222de38d9f1b5a4097583195ad5\",\n            \"size\": 525,\n            \"annotations\": {\n                \"org.opencontainers.image.ref.name\": \"3.18\"\n            }\n        },\n        {\n            \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n            \"digest\": \"sha256:5b2aba4d3c27bc6493633d0ec446b25c8d0a5c9cfe99894bcdff0aee80813805\",\n            \"size\": 525,\n            \"annotations\": {\n                \"org.opencontainers.image.ref.name\": \"3.17.5\"\n            }\n        },\n        {\n            \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n            \"digest\": \"sha256:861d3c014b0e3edcf80e6221247d6b2921a4f892feb9bafe9515b9975b78c44f\",\n            \"size\": 759,\n            \"annotations\": {\n                \"org.opencontainers.image.ref.name\": \"3.16.7\"\n            }\n        },\n        {\n            \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n            \"digest\": \"sha256:0dc27f36a618c110ae851662c13283e9fbc1b5a5de003befc4bcefa5a05d2eef\",\n            \"size\": 525,\n            \"annotations\": {\n                \"org.opencontainers.image.ref.name\": \"1.0.0\"\n            }\n        }\n    ]\n}",
            ],
            images: [
                (
                    "latest",
                    [
                        "sha256:913cf3a39d377faf89ed388ad913a318a390488c9f34c46e43424795cdabffe8",
                        "sha256:557ac7d133b7770216a8101268640edf4e88beab1b4e1e1bfc9b1891a1cab861",
                    ], "linux/amd64"
                ),
                (
                    "latest",
                    [
                        "sha256:aab808b283c3f654d84358a40ce8766ecd552249305141de88f0ca61f3d1368f",
                        "sha256:e19729d5a968c71b4b691d60f4a6f85f93c303bb88635dcfef36e23b76cb7b3a",
                    ], "linux/386"
                ),
                (
                    "3.18.3",
                    [
                        "sha256:913cf3a39d377faf89ed388ad913a318a390488c9f34c46e43424795cdabffe8",
                        "sha256:557ac7d133b7770216a8101268640edf4e88beab1b4e1e1bfc9b1891a1cab861",
                    ], "linux/amd64"
                ),
                (
                    "3.18.3",
                    [
                        "sha256:aab808b283c3f654d84358a40ce8766ecd552249305141de88f0ca61f3d1368f",
                        "sha256:e19729d5a968c71b4b691d60f4a6f85f93c303bb88635dcfef36e23b76cb7b3a",
                    ], "linux/386"
                ),
                (
                    "3",
                    [
                        "sha256:913cf3a39d377faf89ed388ad913a318a390488c9f34c46e43424795cdabffe8",
                        "sha256:557ac7d133b7770216a8101268640edf4e88beab1b4e1e1bfc9b1891a1cab861",
                    ], "linux/amd64"
                ),
                (
                    "3.18",
                    [
                        "sha256:913cf3a39d377faf89ed388ad913a318a390488c9f34c46e43424795cdabffe8",
                        "sha256:557ac7d133b7770216a8101268640edf4e88beab1b4e1e1bfc9b1891a1cab861",
                    ], "linux/amd64"
                ),
                (
                    "3.17.5",
                    [
                        "sha256:df11bc189adeb50dadb3291a3a7f2c34b36e0efdba0df70f2c8a2d761b215cde",
                        "sha256:986315a0e599fac2b80eb31db2124dab8d3de04d7ca98b254999bd913c1f73fe",
                    ], "linux/amd64"
                ),
                (
                    "3.16.7",
                    [
                        "sha256:f732172ad8d2a666550fa3ec37a5153d59acc95744562ae64cf62ded46de101a",
                        "sha256:02ea786cb1ff44d997661886a4186cbd8a1dc466938712bf7281379209476022",
                    ], "linux/amd64"
                ),
                (
                    "3.16.7",
                    [
                        "sha256:7ffdfe7d276286b39a203dcc247949cf47c91d2d5e10a53a675c0962ed9e4402",
                        "sha256:e2f7e0374fd6a03d9c373f4d9a0c7802045cc3ddcc1433e89d83b81fa7007242",
                    ], "linux/386"
                ),
                (
                    "1.0.0",
                    [
                        "sha256:913cf3a39d377faf89ed388ad913a318a390488c9f34c46e43424795cdabffe8",
                        "sha256:a6f737ac2b84bc463f2ff721af39588c69646c82f79f3808236178e02e35b922",
                    ], "linux/amd64"
                ),
            ],
            findings: [
                (
                    "size-mismatch", 6,
                    "img/blobs/sha256/0dc27f36a618c110ae851662c13283e9fbc1b5a5de003befc4bcefa5a05d2eef"
                )
            ]),
        RealLayout(
            description:
                "containers/image oci/layout/fixtures/delete_image_with_signature (a cosign signature, whose payload is its own diff_id; the signed manifest left out)",
            files: [
                "img/blobs/sha256/2558a560cb1cd192d12862352621630bcfdb5cef147fa445f2e630e49f7a9910":
                    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:44353f0bf0dd9507c2e9daea7ad4f8a5f0e23bc16068d612227507e54599c18a\",\"size\":147},\"layers\":[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"digest\":\"sha256:6f06dd0e26608013eff30bb1e951cda7de3fdd9e78e907470e0dd5c0ed25e273\",\"size\":12,\"annotations\":{\"dev.cosignproject.cosign/signature\":\"test-signature\"}}],\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:bfd7a7b14cfc6349bfbc291769692e4669470de97718d2ffab83273ea57474cb\",\"size\":1506,\"annotations\":{\"org.opencontainers.image.ref.name\":\"imageValue\"}}}",
                "img/blobs/sha256/44353f0bf0dd9507c2e9daea7ad4f8a5f0e23bc16068d612227507e54599c18a":
                    "{\"architecture\":\"\",\"os\":\"\",\"config\":{},\"rootfs\":{\"type\":\"\",\"diff_ids\":[\"sha256:6f06dd0e26608013eff30bb1e951cda7de3fdd9e78e907470e0dd5c0ed25e273\"]}}",
                "img/blobs/sha256/6f06dd0e26608013eff30bb1e951cda7de3fdd9e78e907470e0dd5c0ed25e273":
                    "test-payload",
                "img/index.json":
                    "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:bfd7a7b14cfc6349bfbc291769692e4669470de97718d2ffab83273ea57474cb\",\"size\":1506,\"annotations\":{\"org.opencontainers.image.ref.name\":\"imageValue\"}},{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:2558a560cb1cd192d12862352621630bcfdb5cef147fa445f2e630e49f7a9910\",\"size\":704,\"annotations\":{\"org.opencontainers.image.ref.name\":\"sha256-bfd7a7b14cfc6349bfbc291769692e4669470de97718d2ffab83273ea57474cb.sig\"}}]}",
            ],
            images: [
                (
                    "sha256-bfd7a7b14cfc6349bfbc291769692e4669470de97718d2ffab83273ea57474cb.sig",
                    [
                        "sha256:44353f0bf0dd9507c2e9daea7ad4f8a5f0e23bc16068d612227507e54599c18a",
                        "sha256:6f06dd0e26608013eff30bb1e951cda7de3fdd9e78e907470e0dd5c0ed25e273",
                    ], ""
                )
            ],
            findings: [("blob-missing", 1, "img/index.json")]),
    ]
}
