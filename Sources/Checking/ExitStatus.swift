import ImageModel

/// Maps a finished run to the exit codes of SPEC §2.
public enum ExitStatus {
    public static let ok: Int32 = 0
    public static let findings: Int32 = 1
    public static let usage: Int32 = 64
    public static let unavailable: Int32 = 69
    public static let noPermission: Int32 = 77
    public static let config: Int32 = 78

    /// A definite error finding (1) outranks "could not verify" (77, then 69): the user has a real problem to fix either way.
    public static func code(for report: RunReport, options: VerifyOptions, failures: [BatchFailure]) -> Int32 {
        let failing = report.findings.contains { finding in
            guard finding.rule != .verificationError else { return false }
            return finding.severity == .error || (options.strict && finding.severity == .warning)
        }
        if failing { return findings }
        let unverified = report.findings.contains { $0.rule == .verificationError }
        // A setting that makes asking impossible is the configuration's fault, which `--on-error warn` does not excuse.
        if unverified, failures.contains(where: { $0.kind == .configuration }) { return config }
        guard unverified, options.onError == .fail else { return ok }
        if failures.contains(where: { $0.kind == .credentials }) { return noPermission }
        return unavailable
    }
}
