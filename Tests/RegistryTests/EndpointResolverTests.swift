import Foundation
import Testing

@testable import Registry

@Suite struct EndpointResolverTests {
    @Test func defaultIsUSEast1() throws {
        let endpoint = try EndpointResolver.resolve(flag: nil, region: nil, environment: [:])
        #expect(
            endpoint
                == Endpoint(
                    url: "https://api.ecr-public.us-east-1.amazonaws.com", region: "us-east-1", source: "default",
                    regionSource: "default"))
    }

    @Test func usWest2AndDualstack() throws {
        let west = try EndpointResolver.resolve(flag: nil, region: "us-west-2", environment: [:])
        #expect(west.url == "https://api.ecr-public.us-west-2.amazonaws.com")
        #expect(west.region == "us-west-2" && west.regionSource == "--region")
        let dual = try EndpointResolver.resolve(
            flag: nil, region: nil, environment: ["AWS_USE_DUALSTACK_ENDPOINT": "true", "AWS_REGION": "us-west-2"])
        #expect(dual.url == "https://ecr-public.us-west-2.api.aws")
        #expect(dual.source == "default (dualstack)")
        #expect(dual.regionSource == "AWS_REGION")
        let fromProfile = try EndpointResolver.resolve(
            flag: nil, region: nil, environment: [:], profileRegion: "us-west-2", profileDualstack: true)
        #expect(fromProfile.url == "https://ecr-public.us-west-2.api.aws")
        let envOverridesProfile = try EndpointResolver.resolve(
            flag: nil, region: nil, environment: ["AWS_USE_DUALSTACK_ENDPOINT": "false"],
            profileDualstack: true)
        #expect(envOverridesProfile.url == "https://api.ecr-public.us-east-1.amazonaws.com")
    }

    @Test func endpointPrecedence() throws {
        let environment = [
            "AWS_ENDPOINT_URL_ECR_PUBLIC": "https://specific.example", "AWS_ENDPOINT_URL": "https://global.example",
        ]
        #expect(
            try EndpointResolver.resolve(flag: "https://flag.example", region: nil, environment: environment).url
                == "https://flag.example")
        #expect(
            try EndpointResolver.resolve(flag: nil, region: nil, environment: environment).source
                == "AWS_ENDPOINT_URL_ECR_PUBLIC")
        #expect(
            try EndpointResolver.resolve(
                flag: nil, region: nil, environment: ["AWS_ENDPOINT_URL": "https://global.example"]
            ).url == "https://global.example")
        #expect(
            try EndpointResolver.resolve(
                flag: nil, region: nil, environment: [:], profileEndpointURL: "https://profile.example"
            ).source
                == "profile endpoint_url")
        let ignored = try EndpointResolver.resolve(
            flag: nil, region: nil,
            environment: environment.merging(["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"]) { $1 })
        #expect(ignored.source == "default")
    }

    @Test func regionPrecedenceAndFallback() throws {
        let environment = ["AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "us-east-1"]
        #expect(
            try EndpointResolver.resolve(flag: nil, region: nil, environment: environment).regionSource == "AWS_REGION")
        #expect(
            try EndpointResolver.resolve(flag: nil, region: nil, environment: ["AWS_DEFAULT_REGION": "us-west-2"])
                .region == "us-west-2")
        #expect(
            try EndpointResolver.resolve(flag: nil, region: nil, environment: [:], profileRegion: "us-west-2")
                .regionSource == "profile region")
        // A runner's region for other services has no ECR Public endpoint: use us-east-1 and say why.
        let fallback = try EndpointResolver.resolve(flag: nil, region: nil, environment: ["AWS_REGION": "eu-central-1"])
        #expect(fallback.region == "us-east-1")
        #expect(fallback.url == "https://api.ecr-public.us-east-1.amazonaws.com")
        #expect(fallback.regionSource.contains("AWS_REGION eu-central-1 has no ECR Public endpoint"))
        // An explicit --region must be real unless the endpoint is custom.
        #expect(throws: EndpointError.self) {
            try EndpointResolver.resolve(flag: nil, region: "eu-west-1", environment: [:])
        }
        #expect(
            try EndpointResolver.resolve(flag: "http://127.0.0.1:9", region: "eu-west-1", environment: [:]).region
                == "eu-west-1")
    }

    @Test(arguments: [
        "http://127.0.0.1:4566", "http://localhost:8080/", "http://[::1]:9000", "http://127.255.0.3",
        "https://example.com",
        "https://10.0.0.1:8443", "HTTP://127.0.0.1:1",
    ])
    func acceptsHTTPSAndLoopbackHTTP(url: String) throws {
        try EndpointResolver.validate(url, source: "--endpoint-url")
    }

    @Test(arguments: [
        "http://example.com", "http://10.0.0.1:8080", "http://127.0.0.1.nip.io", "http://169.254.169.254",
        "http://[::2]:80",
        "http://0.0.0.0:80", "ftp://127.0.0.1", "127.0.0.1:80", "not a url", "http://evil.localhost", "http://127.1",
        "http://user:pw@example.com",
    ])
    func refusesEverythingElse(url: String) {
        #expect(throws: EndpointError.self) { try EndpointResolver.validate(url, source: "--endpoint-url") }
    }

    @Test func refusalNamesTheSourceAndHidesPasswords() {
        #expect {
            try EndpointResolver.resolve(
                flag: nil, region: nil, environment: ["AWS_ENDPOINT_URL": "http://user:hunter22@example.com/"])
        } throws: { error in
            let text = "\(error)"
            return text.contains("AWS_ENDPOINT_URL") && text.contains("only allowed to loopback")
                && !text.contains("hunter22")
        }
    }
}
