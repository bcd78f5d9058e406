import Testing

@testable import ImageModel

@Test func repositoryFlagsThenFirstConfigMatchThenAnnotation() {
    let mappings = [
        ImageMapping(path: "build/**", repository: "first", registry: "one"),
        ImageMapping(path: "build/oci/app", repository: "second"),
    ]
    let config = RepositoryResolver(mappings: mappings, defaultRegistry: "fallback")
    #expect(
        config.resolve(outputPath: "build/oci/app", name: "public.ecr.aws/demo/app:1")
            == RepositoryRef(registryId: "one", repositoryName: "first"))
    #expect(
        config.resolve(outputPath: "other", name: "public.ecr.aws/demo/app:1")
            == RepositoryRef(registryId: "demo", repositoryName: "app"))
    #expect(config.resolve(outputPath: "other", name: "app:1") == nil)
    let second = RepositoryResolver(mappings: Array(mappings.reversed()), defaultRegistry: "fallback")
    #expect(
        second.resolve(outputPath: "build/oci/app", name: nil)
            == RepositoryRef(registryId: "fallback", repositoryName: "second"))
    let forced = RepositoryResolver(forcedRepository: "forced", forcedRegistry: "flag", mappings: mappings)
    #expect(
        forced.resolve(outputPath: "build/oci/app", name: "public.ecr.aws/demo/app:1")
            == RepositoryRef(registryId: "flag", repositoryName: "forced"))
    let registryOnly = RepositoryResolver(forcedRegistry: "flag", mappings: mappings)
    #expect(
        registryOnly.resolve(
            outputPath: "x", name: "public.ecr.aws/demo/app@sha256:" + String(repeating: "a", count: 64))
            == RepositoryRef(registryId: "flag", repositoryName: "app"))
}
