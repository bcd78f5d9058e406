import ArgumentParser

/// The command tree; each subcommand is one type in its own file.
@main
struct VerifyLayers: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "verify-layers",
        abstract: "Check that the container image layers committed to git exist in Amazon ECR Public.",
        version: version,
        subcommands: [
            CheckCommand.self, PrePushCommand.self, CICommand.self, ListCommand.self,
            InstallCommand.self, UninstallCommand.self, DoctorCommand.self,
        ]
    )
}
