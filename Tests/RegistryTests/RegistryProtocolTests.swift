import Checking
import Foundation
import ImageModel
import Testing

@testable import Registry

@Suite struct RegistryProtocolTests {
    @Test func bearerChallengeAsECRPublicSendsIt() throws {
        let challenge = try #require(
            BearerChallenge.parse(#"Bearer realm="https://public.ecr.aws/token/",service="public.ecr.aws",scope="aws""#)
        )
        #expect(
            challenge
                == BearerChallenge(realm: "https://public.ecr.aws/token/", service: "public.ecr.aws", scope: "aws"))
        #expect(
            challenge.tokenURL(repository: "acme/app")
                == "https://public.ecr.aws/token/?service=public.ecr.aws&scope=repository:acme/app:pull")
    }

    @Test func bearerChallengeWithCommasInQuotesSpacesAndUnquotedValues() throws {
        let challenge = try #require(
            BearerChallenge.parse(
                #"bearer  realm="http://127.0.0.1:5000/auth?x=1", scope="repository:a/b:pull,push" ,service=reg"#))
        #expect(challenge.realm == "http://127.0.0.1:5000/auth?x=1")
        #expect(challenge.scope == "repository:a/b:pull,push")
        #expect(challenge.service == "reg")
        #expect(
            challenge.tokenURL(repository: "a/b")
                == "http://127.0.0.1:5000/auth?x=1&service=reg&scope=repository:a/b:pull")
    }

    @Test(arguments: [#"Basic realm="registry""#, #"Bearer service="x""#, "", #"Bearer realm="""#])
    func notABearerChallengeWithARealm(header: String) {
        #expect(BearerChallenge.parse(header) == nil)
    }

    @Test func tokenFromEitherField() {
        #expect(RegistryDriver.token(from: Data(#"{"token":"abc","expires_in":60}"#.utf8)) == "abc")
        #expect(RegistryDriver.token(from: Data(#"{"access_token":"xyz"}"#.utf8)) == "xyz")
        #expect(RegistryDriver.token(from: Data(#"{"token":""}"#.utf8)) == nil)
        #expect(
            RegistryDriver.token(from: Data(#"{"token":"a\r\nX-Evil: 1"}"#.utf8)) == nil,
            "no header injection through a token")
        #expect(RegistryDriver.token(from: Data("<html>".utf8)) == nil)
    }

    @Test func retryAfterSecondsAndHTTPDate() throws {
        #expect(TransferQueue.retryAfter(["retry-after": "1"]) == 1)
        #expect(TransferQueue.retryAfter(["retry-after": " 2.5 "]) == 2.5)
        #expect(TransferQueue.retryAfter([:]) == nil)
        #expect(TransferQueue.retryAfter(["retry-after": "soon"]) == nil)
        let now = try #require(ISO8601DateFormatter().date(from: "2026-12-02T06:00:00Z"))
        #expect(TransferQueue.retryAfter(["retry-after": "Wed, 02 Dec 2026 06:00:03 GMT"], now: now) == 3)
    }

    @Test func registryEndpointDefaultOverridesAndLoopbackRule() throws {
        #expect(
            try RegistryEndpoint.resolve(flag: nil, environment: [:])
                == RegistryEndpoint(url: "https://public.ecr.aws", source: "default"))
        #expect(
            try RegistryEndpoint.resolve(
                flag: nil, environment: ["VERIFY_LAYERS_REGISTRY_URL": "http://127.0.0.1:5000/"]
            ).url == "http://127.0.0.1:5000")
        #expect(
            try RegistryEndpoint.resolve(
                flag: "https://mirror.example.com", environment: ["VERIFY_LAYERS_REGISTRY_URL": "http://127.0.0.1:1"]
            ).source == "--registry-url")
        #expect(throws: EndpointError.self) {
            try RegistryEndpoint.resolve(flag: "http://mirror.example.com", environment: [:])
        }
        #expect(RegistryEndpoint(url: "https://public.ecr.aws", source: "default").isECRPublic)
        #expect(!RegistryEndpoint(url: "http://127.0.0.1:5000", source: "test").isECRPublic)
    }

    @Test func pullQuotaPacesManifestRequestsOnECRPublicOnly() {
        let configuration = ClientConfiguration(
            endpoint: Endpoint(
                url: "https://api.ecr-public.us-east-1.amazonaws.com", region: "us-east-1", source: "default"))
        #expect(
            RegistryClient(
                endpoint: RegistryEndpoint(url: "https://public.ecr.aws", source: "default"),
                configuration: configuration
            ).pullsPerSecond == 1)
        #expect(
            RegistryClient(
                endpoint: RegistryEndpoint(url: "http://127.0.0.1:5000", source: "t"), configuration: configuration
            ).pullsPerSecond
                == PullQuota.unlimitedPerSecond)
        let authenticated = RegistryClient(
            endpoint: RegistryEndpoint(url: "https://public.ecr.aws", source: "default"), configuration: configuration)
        authenticated.login = { "QVdTOnNlY3JldA==" }
        #expect(authenticated.pullsPerSecond == 10)
    }

    @Test func onlyManifestDownloadsArePaced() {
        let configuration = ClientConfiguration(
            endpoint: Endpoint(url: "http://127.0.0.1:9", region: "us-east-1", source: "test"))
        let client = RegistryClient(
            endpoint: RegistryEndpoint(url: "https://public.ecr.aws", source: "default"), configuration: configuration)
        let repository = RepositoryRef(registryId: "acme", repositoryName: "app")
        let driver = RegistryDriver(
            client: client,
            manifests: [
                ManifestQuery(repository: repository, reference: "v1"),
                ManifestQuery(repository: repository, reference: "v1", readsConfig: true),
            ])
        client.session.probe = .open
        let ids = driver.initialTransfers()
        #expect(ids.count == 2)
        #expect(ids.map(driver.isRateLimited) == [false, true])
    }
}
