import Checking
import Foundation
import ImageModel
import Testing

@testable import Registry

@Test func requestBodyIsTheJSONTheServiceModelExpects() throws {
    let digests = try (1...3).map { try #require(Digest("sha256:" + String(repeating: String($0), count: 64))) }
    let batch = LayerBatch(repository: RepositoryRef(registryId: "demo", repositoryName: "team/app"), digests: digests)
    let data = RequestBody.batchCheckLayerAvailability(batch)
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(object["registryId"] as? String == "demo")
    #expect(object["repositoryName"] as? String == "team/app")
    #expect(object["layerDigests"] as? [String] == digests.map(\.string))
    #expect(object.count == 3)
    let noRegistry = RequestBody.batchCheckLayerAvailability(
        LayerBatch(repository: RepositoryRef(registryId: nil, repositoryName: "app"), digests: digests))
    #expect((try JSONSerialization.jsonObject(with: noRegistry) as? [String: Any])?["registryId"] == nil)
}

@Test func requestBodyEscapesAnythingAStringCanHold() throws {
    let nasty = "a\"b\\c\nd\u{1}e"
    let batch = LayerBatch(repository: RepositoryRef(registryId: nasty, repositoryName: nasty), digests: [])
    let object = try #require(
        try JSONSerialization.jsonObject(with: RequestBody.batchCheckLayerAvailability(batch)) as? [String: Any])
    #expect(object["registryId"] as? String == nasty)
    #expect(object["repositoryName"] as? String == nasty)
}
