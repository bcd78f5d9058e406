import CCurl
import Dispatch
import ImageModel
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A libcurl failure with curl's own message (and the error buffer's detail when it has one).
public struct CurlError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public var description: String { message }
}

/// The one place libcurl return codes go through.
func curlCheck(_ code: CURLcode, _ context: @autoclosure () -> String) throws {
    guard code != CURLE_OK else { return }
    throw CurlError(code: Int32(code.rawValue), message: "\(context()): \(String(cString: curl_easy_strerror(code)))")
}

/// Multi-interface codes go through here.
func curlMultiCheck(_ code: CURLMcode, _ context: @autoclosure () -> String) throws {
    guard code == CURLM_OK else {
        throw CurlError(
            code: Int32(code.rawValue), message: "\(context()): \(String(cString: curl_multi_strerror(code)))")
    }
}

/// `curl_global_init` once per process, before any handle exists; its result is checked by every handle's creation.
enum CurlLibrary {
    private static let initCode: UInt32 = curl_global_init(Int(CURL_GLOBAL_DEFAULT)).rawValue

    /// Initialises libcurl on first use; throws when that failed (every later handle would be unusable).
    static func ensureInitialised() throws {
        if let loadError { throw CurlError(code: -1, message: loadError) }
        try curlCheck(CURLcode(rawValue: initCode), "curl_global_init")
    }

    static var version: String { String(cString: curl_version()) }

    /// Why libcurl.so.4 could not be loaded (Sources/CCurl/shim.c loads it on first use), with how to install it.
    static var loadError: String? { vl_curl_load_error().map { String(cString: $0) } }
}

/// The libcurl found at run time (the one shared library a release binary takes from the system), for
/// `--version --verbose` and `doctor`.
public enum HTTPLibrary {
    /// Starts loading and initialising libcurl on another thread: the `dlopen` of it and the ~30 libraries it needs
    /// (about 8 ms), then `curl_global_init` (OpenSSL's, 2-4 ms), which a check would otherwise spend on its transfer
    /// thread before its first call. The first handle waits for it if it has not finished (`curl_global_init` runs
    /// once); a load that fails is reported there, as without this (and when no thread can be started, the first handle
    /// does both). The process must not exit while OpenSSL initialises on another thread (its exit handler frees the
    /// locks that thread takes): whatever exits calls `finishPreload()` first.
    public static func preloadInBackground() {
        let done = DispatchSemaphore(value: 0)
        preload.withLock { $0 = done }
        let started = WorkerThread.start(stackSize: WorkerThread.defaultStackSize) {
            vl_curl_preload()
            try? CurlLibrary.ensureInitialised()
            done.signal()
        }
        if !started { preload.withLock { $0 = nil } }
    }

    /// Waits for `preloadInBackground` to finish, when one was started (at once otherwise).
    public static func finishPreload() {
        guard let done = preload.withLock({ $0 }) else { return }
        done.wait()
        done.signal()
    }

    /// Signalled when the preload ends; nil when none was started.
    private static let preload = Mutex<DispatchSemaphore?>(nil)

    /// `7.88.1 (OpenSSL/3.0.15)`: the library's own version and its TLS backend.
    public static var version: String {
        guard let info = curl_version_info(CURLVERSION_FIRST) else {
            return CurlLibrary.loadError.map { "not available: " + $0 } ?? "unknown"
        }
        let number = info.pointee.version.map { String(cString: $0) } ?? "?"
        let tls = info.pointee.ssl_version.map { " (\(String(cString: $0)))" } ?? ""
        return number + tls
    }
}
