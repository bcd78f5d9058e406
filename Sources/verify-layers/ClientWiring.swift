import ECRPublic
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension SharedOptions {
    /// Resolves the client's endpoint, retries, trust store and credential chain; a bad setting exits 78 before any connection.
    func clientSetup(environment: [String: String], started: Date) throws -> ClientSetup {
        let flags = ClientSetup.Flags(endpointURL: endpointURL, region: region, profile: profile, maxAttempts: maxAttempts,
                                      concurrency: concurrency, deadline: timeout.map { started.addingTimeInterval($0) })
        var sink: (@Sendable (String) -> Void)?
        if verbose { sink = { line in Console.err("verify-layers: \(line)") } }
        let log = HTTPLog(sink)
        do {
            return try ClientSetup.resolve(flags: flags, environment: environment, userAgent: "verify-layers/\(VerifyLayers.version)", log: log)
        } catch let error as SetupError {
            throw Failure.config(error.message)
        }
    }
}
