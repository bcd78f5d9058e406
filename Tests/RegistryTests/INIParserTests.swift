import Foundation
import Testing

@testable import Registry

@Suite struct INIParserTests {
    @Test func readsSectionsKeysAndComments() throws {
        let text = """
            # a comment
            ; another
            [default]
            aws_access_key_id = AKIDDEFAULT
            AWS_Secret_Access_Key=secret=with=equals
            region: us-west-2

            [profile ci]
              output = json
            credential_process = /usr/bin/helper --flag "a b"
            """
        let sections = try INIParser.parse(text, file: "config")
        #expect(sections["default"]?["aws_access_key_id"] == "AKIDDEFAULT")
        #expect(sections["default"]?["aws_secret_access_key"] == "secret=with=equals")
        #expect(sections["default"]?["region"] == "us-west-2")
        #expect(sections["profile ci"]?["output"] == "json")
        #expect(sections["profile ci"]?["credential_process"] == "/usr/bin/helper --flag \"a b\"")
    }

    @Test func keepsNestedBlocksAsText() throws {
        let text = "[default]\ns3 =\n  max_concurrent_requests = 10\n  addressing_style = path\nregion = us-east-1\n"
        let sections = try INIParser.parse(text)
        #expect(sections["default"]?["s3"] == "\nmax_concurrent_requests = 10\naddressing_style = path")
        #expect(sections["default"]?["region"] == "us-east-1")
    }

    @Test func handlesCRLFAndBOMAndInlineHashAsValue() throws {
        let sections = try INIParser.parse("\u{FEFF}[default]\r\nregion = us-east-1 # not a comment\r\n")
        // botocore's RawConfigParser has no inline comments: the text after # stays in the value.
        #expect(sections["default"]?["region"] == "us-east-1 # not a comment")
    }

    @Test func duplicateSectionsMergeLaterWins() throws {
        let sections = try INIParser.parse("[a]\nx = 1\ny = 2\n[a]\nx = 3\n")
        #expect(sections["a"] == ["x": "3", "y": "2"])
    }

    @Test(arguments: [
        ("key = value\n", 1, "before any [section]"),
        ("[ok]\njust words\n", 2, "expected `key = value`"),
        ("[ok]\n[broken\n", 2, "section header"),
        ("[ok]\n = value\n", 2, "no name"),
        ("[]\n", 1, "section header"),
    ])
    func reportsFileLineAndReason(text: String, line: Int, reason: String) {
        #expect {
            _ = try INIParser.parse(text, file: "/home/u/.aws/config")
        } throws: { error in
            guard let error = error as? INIError else { return false }
            return error.file == "/home/u/.aws/config" && error.line == line && error.reason.contains(reason)
                && error.description.hasPrefix("/home/u/.aws/config:\(line): ")
        }
    }

    @Test func configProfilesMapProfilePrefixAndDefault() throws {
        let sections = try INIParser.parse(
            """
            [default]
            region = us-east-1
            [profile default]
            output = json
            [profile   spaced]
            region = us-west-2
            [profile "quoted name"]
            region = eu-west-1
            [sso-session corp]
            sso_region = us-east-1
            [plain]
            region = ignored
            """)
        let profiles = INIParser.configProfiles(sections)
        #expect(profiles["default"] == ["region": "us-east-1", "output": "json"])
        #expect(profiles["spaced"]?["region"] == "us-west-2")
        #expect(profiles["quoted name"]?["region"] == "eu-west-1")
        #expect(profiles["corp"] == nil)
        #expect(profiles["plain"] == nil)
        #expect(profiles["sso-session corp"] == nil)
    }

    @Test func sharedConfigMergesFilesCredentialsWin() throws {
        let directory = try TemporaryDirectoryForTests()
        let config = directory.write(
            "config",
            "[profile dev]\nregion = us-west-2\naws_access_key_id = FROMCONFIG\n[default]\nregion = us-east-1\n")
        let credentials = directory.write(
            "credentials", "[dev]\naws_access_key_id = FROMCREDENTIALS\naws_secret_access_key = s\n")
        let shared = try SharedConfig.load(
            environment: ["AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": credentials, "AWS_PROFILE": "dev"],
            profileFlag: nil)
        #expect(shared.profileName == "dev")
        #expect(shared.profileSource == "AWS_PROFILE")
        #expect(shared.profileIsExplicit)
        #expect(!shared.profileFromFlag)
        #expect(shared.setting("region") == "us-west-2")
        #expect(shared.profile("dev")?["aws_access_key_id"] == "FROMCREDENTIALS")
        let flagged = try SharedConfig.load(
            environment: ["AWS_CONFIG_FILE": config, "AWS_PROFILE": "dev"], profileFlag: "default")
        #expect(flagged.profileName == "default" && flagged.profileFromFlag)
        #expect(flagged.setting("region") == "us-east-1")
    }

    @Test func sharedConfigDefaultsToHomeAndToleratesMissingFiles() throws {
        let shared = try SharedConfig.load(environment: ["HOME": "/nonexistent-home"], profileFlag: nil)
        #expect(shared.configPath == "/nonexistent-home/.aws/config")
        #expect(shared.credentialsPath == "/nonexistent-home/.aws/credentials")
        #expect(!shared.configExists && !shared.credentialsExists)
        #expect(shared.profile("default") == nil)
    }

    @Test func sharedConfigRejectsBrokenFileWithLocation() throws {
        let directory = try TemporaryDirectoryForTests()
        let config = directory.write("config", "[default]\nthis line is broken\n")
        #expect {
            _ = try SharedConfig.load(environment: ["AWS_CONFIG_FILE": config], profileFlag: nil)
        } throws: { error in
            "\(error)".contains("\(config):2") && "\(error)".contains("expected `key = value`")
        }
        #expect(throws: SharedConfigError.self) {
            _ = try SharedConfig.load(environment: ["AWS_CONFIG_FILE": directory.path], profileFlag: nil)
        }
    }
}

/// A scratch directory with a `write` helper returning the path.
final class TemporaryDirectoryForTests {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("vl-ecr-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    @discardableResult
    /// Writes through a close-on-exec descriptor: a process another test forks meanwhile must not inherit it, or running
    /// the file (a credential helper) fails with ETXTBSY ("Text file busy") for as long as that process lives.
    func write(_ name: String, _ text: String, executable: Bool = false) -> String {
        let file = path + "/" + name
        let mode: mode_t = executable ? 0o755 : 0o644
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        precondition(descriptor >= 0, "cannot write \(file)")
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        precondition(written == bytes.count, "short write to \(file)")
        fchmod(descriptor, mode)
        close(descriptor)
        return file
    }
}
