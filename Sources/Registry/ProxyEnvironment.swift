import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Which proxy libcurl will use for a URL, read from the same variables curl reads, so doctor can say it.
public enum ProxyEnvironment {
    /// `https_proxy`/`HTTPS_PROXY` for https, `http_proxy` (lowercase only, as in curl) for http, then `all_proxy`/`ALL_PROXY`;
    /// nil with the reason when none applies (or `no_proxy`/`NO_PROXY` exempts the host). Passwords are redacted.
    public static func describe(url: String, environment: [String: String]) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host
        else {
            return "none"
        }
        let names =
            scheme == "https"
            ? ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] : ["http_proxy", "all_proxy", "ALL_PROXY"]
        guard
            let (name, proxy) = names.lazy.compactMap({ name in
                SharedConfig.nonEmpty(environment[name]).map { (name, $0) }
            }).first
        else {
            return "none"
        }
        let noProxyName = ["no_proxy", "NO_PROXY"].first { SharedConfig.nonEmpty(environment[$0]) != nil }
        if let noProxyName, let list = environment[noProxyName], bypasses(host: host, noProxy: list) {
            return "none (\(host) is in \(noProxyName); \(name) is \(Redactor.url(proxy)))"
        }
        return "\(Redactor.url(proxy)) (\(name))"
    }

    /// curl's `NO_PROXY` matching by name: `*`, an exact host, or a domain suffix (`example.com` and `.example.com`).
    static func bypasses(host: String, noProxy: String) -> Bool {
        let target = host.trimmingBrackets().lowercased()
        for rawEntry in noProxy.split(separator: ",") {
            var entry = rawEntry.trimmingWhitespace().lowercased()
            if entry == "*" { return true }
            if entry.hasPrefix(".") { entry.removeFirst() }
            if entry.isEmpty { continue }
            if target == entry || target.hasSuffix("." + entry) { return true }
        }
        return false
    }
}
