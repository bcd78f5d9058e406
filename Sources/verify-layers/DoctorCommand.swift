import ArgumentParser
import Pipeline

/// `verify-layers doctor`: what a run would use — config, endpoint, region, credential source (never a secret) — and one
/// live call, so "why does CI say 77?" has an answer without reading code.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show the resolved endpoint, region, credentials source and config, then make one live call."
    )

    @OptionGroup(title: "Scan options") var scan: ScanOptions
    @OptionGroup(title: "Service options") var service: ServiceOptions

    @Flag(name: .shortAndLong, help: "Log each call to stderr (secrets are never shown).")
    var verbose = false

    /// `doctor` checks no images and keeps no cache: these options would be ignored, so they are refused.
    func validate() throws {
        if scan.shard != nil {
            throw ValidationError("--shard does not apply to doctor (it checks one blob, not a share of the images)")
        }
        if service.noCache {
            throw ValidationError("--no-cache does not apply to doctor (its live call never uses the cache)")
        }
    }

    func run() throws {
        var settings = RunSettings()
        scan.apply(to: &settings)
        service.apply(to: &settings)
        settings.verbose = verbose
        try runReportingFailures { Pipeline.doctor(settings: settings) }
    }
}
