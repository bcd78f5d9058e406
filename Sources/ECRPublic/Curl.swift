import CCurl
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ImageModel

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
        throw CurlError(code: Int32(code.rawValue), message: "\(context()): \(String(cString: curl_multi_strerror(code)))")
    }
}

/// `curl_global_init` once per process, before any handle exists.
enum CurlLibrary {
    static let initialised: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return true
    }()

    static var version: String { String(cString: curl_version()) }

    /// Why libcurl.so.4 could not be loaded (Sources/CCurl/shim.c loads it on first use), with how to install it.
    static var loadError: String? { vl_curl_load_error().map { String(cString: $0) } }
}

/// The libcurl found at run time (the one shared library a release binary takes from the system), for
/// `--version --verbose` and `doctor`.
public enum HTTPLibrary {
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

/// Collects a response body and headers; a class so libcurl's callbacks can reach it through an opaque pointer.
final class ResponseSink {
    static let maxBodySize = 8 * 1024 * 1024
    var body = Data()
    var headers: [String: String] = [:]
    var overflowed = false

    func appendBody(_ pointer: UnsafeRawPointer, _ count: Int) -> Int {
        if body.count + count > ResponseSink.maxBodySize {
            overflowed = true
            return 0
        }
        body.append(pointer.assumingMemoryBound(to: UInt8.self), count: count)
        return count
    }

    func appendHeader(_ pointer: UnsafeRawPointer, _ count: Int) {
        let line = String(decoding: UnsafeRawBufferPointer(start: pointer, count: count), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingWhitespace().lowercased()
        let value = line[line.index(after: colon)...].trimmingWhitespaceAndNewlines()
        headers[name] = value
    }
}

private let bodyCallback: vl_curl_data_callback = { pointer, size, count, userdata in
    guard let pointer, let userdata else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
    return sink.appendBody(UnsafeRawPointer(pointer), size * count)
}

private let headerCallback: vl_curl_data_callback = { pointer, size, count, userdata in
    guard let pointer, let userdata else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
    sink.appendHeader(UnsafeRawPointer(pointer), size * count)
    return size * count
}

/// Owns one `CURL*` easy handle, its header list and response sink, freed together in `deinit`.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    let sink = ResponseSink()
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// curl writes into this for the whole life of the handle, so it is allocated here, not borrowed from a Swift array.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init() throws {
        _ = CurlLibrary.initialised
        guard let handle = curl_easy_init() else {
            throw CurlError(code: -1, message: CurlLibrary.loadError ?? "curl_easy_init failed")
        }
        self.handle = handle
        errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let opaque = Unmanaged.passUnretained(sink).toOpaque()
        try set(CURLOPT_WRITEFUNCTION, callback: bodyCallback)
        try set(CURLOPT_WRITEDATA, pointer: opaque)
        try set(CURLOPT_HEADERFUNCTION, callback: headerCallback)
        try set(CURLOPT_HEADERDATA, pointer: opaque)
        try curlCheck(vl_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
        try set(CURLOPT_NOSIGNAL, 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        if let headerList { curl_slist_free_all(headerList) }
        errorBuffer.deallocate()
    }

    func set(_ option: CURLoption, _ value: Int) throws {
        try curlCheck(vl_curl_easy_setopt_long(handle, option, value), "setting curl option \(option.rawValue)")
    }

    func set(_ option: CURLoption, string value: String) throws {
        try curlCheck(vl_curl_easy_setopt_string(handle, option, value), "setting curl option \(option.rawValue)")
    }

    func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) throws {
        try curlCheck(vl_curl_easy_setopt_pointer(handle, option, value), "setting curl option \(option.rawValue)")
    }

    func set(_ option: CURLoption, callback: @escaping vl_curl_data_callback) throws {
        try curlCheck(vl_curl_easy_setopt_data_callback(handle, option, callback), "setting curl option \(option.rawValue)")
    }

    /// Sets request headers; the list lives as long as this handle.
    func setHeaders(_ lines: [String]) throws {
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else { throw CurlError(code: -1, message: "curl_slist_append failed") }
            headerList = appended
        }
        try curlCheck(vl_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList), "CURLOPT_HTTPHEADER")
    }

    /// Copies the body into curl, so no Swift buffer has to outlive the call.
    func setBody(_ body: Data) throws {
        try set(CURLOPT_POSTFIELDSIZE, body.count)
        try body.withUnsafeBytes { raw in
            try curlCheck(vl_curl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress)), "CURLOPT_COPYPOSTFIELDS")
        }
    }

    var statusCode: Int {
        var code = 0
        _ = vl_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    /// curl's detailed error text for the last transfer, if any.
    var errorDetail: String {
        String(cString: errorBuffer)
    }

    /// Runs the transfer synchronously (credential fetches; the batch client uses the multi interface).
    func perform() throws {
        errorBuffer[0] = 0
        let code = curl_easy_perform(handle)
        if code != CURLE_OK {
            let detail = errorDetail
            throw CurlError(code: Int32(code.rawValue), message: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        }
    }
}

/// Owns one `CURLM*`: the connection pool and the set of transfers in flight.
final class CurlMulti {
    let handle: UnsafeMutableRawPointer

    init(maxHostConnections: Int) throws {
        _ = CurlLibrary.initialised
        guard let handle = curl_multi_init() else {
            throw CurlError(code: -1, message: CurlLibrary.loadError ?? "curl_multi_init failed")
        }
        self.handle = handle
        try curlMultiCheck(vl_curl_multi_setopt_long(handle, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX)), "CURLMOPT_PIPELINING")
        try curlMultiCheck(vl_curl_multi_setopt_long(handle, CURLMOPT_MAX_HOST_CONNECTIONS, maxHostConnections), "CURLMOPT_MAX_HOST_CONNECTIONS")
    }

    deinit {
        curl_multi_cleanup(handle)
    }

    func add(_ easy: CurlEasy) throws {
        try curlMultiCheck(curl_multi_add_handle(handle, easy.handle), "curl_multi_add_handle")
    }

    func remove(_ easy: CurlEasy) {
        _ = curl_multi_remove_handle(handle, easy.handle)
    }

    /// Drives transfers, then waits up to `timeoutMs` for activity.
    /// `inFlight` is how many transfers the caller has added; when some already finished, it returns without waiting, so a
    /// fast answer is never held back by the poll timeout.
    func performAndPoll(timeoutMs: Int, inFlight: Int) throws {
        var running: Int32 = 0
        try curlMultiCheck(curl_multi_perform(handle, &running), "curl_multi_perform")
        if Int(running) < inFlight { return }
        var numfds: Int32 = 0
        try curlMultiCheck(curl_multi_poll(handle, nil, 0, Int32(max(0, timeoutMs)), &numfds), "curl_multi_poll")
        try curlMultiCheck(curl_multi_perform(handle, &running), "curl_multi_perform")
    }

    /// Finished transfers: the easy handle pointer and its result code.
    func completed() -> [(UnsafeMutableRawPointer, CURLcode)] {
        var done: [(UnsafeMutableRawPointer, CURLcode)] = []
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(handle, &remaining) {
            if vl_curl_msg_is_done(message) != 0, let easy = vl_curl_msg_easy(message) {
                done.append((easy, vl_curl_msg_result(message)))
            }
        }
        return done
    }
}
