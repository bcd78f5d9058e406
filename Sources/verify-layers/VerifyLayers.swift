import ArgumentParser
import ECRPublic
import GitSource

/// The command tree; each subcommand is one type in its own file.
@main
struct VerifyLayers: ParsableCommand {
    /// The release version (`0.3.0`), or `0.0.0-dev` for a build that `make dist` did not stamp.
    static let version = BuildStamp.version

    static let configuration = CommandConfiguration(
        commandName: "verify-layers",
        abstract: "Check that the container image layers committed to git exist in Amazon ECR Public.",
        version: BuildStamp.versionLine,
        subcommands: [
            CheckCommand.self, PrePushCommand.self, CICommand.self, ListCommand.self,
            InstallCommand.self, UninstallCommand.self, DoctorCommand.self,
        ]
    )

    /// `--version --verbose` (or `-v`) also names the libgit2 and libcurl in use; everything else is ArgumentParser's.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.contains("--version"), arguments.contains("--verbose") || arguments.contains("-v") {
            Console.out(BuildStamp.versionLine + "\n" + BuildStamp.libraries.map { "  \($0.0) \($0.1)\n" }.joined())
            return
        }
        main(arguments)
    }
}
