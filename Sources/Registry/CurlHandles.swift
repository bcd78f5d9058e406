import CCurl

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Owns one `CURL*` easy handle with its header list, error buffer and response sink, freed together in `deinit`;
/// set up from an `HTTPRequest` (`CurlRequestSetup.swift`), finished into a `TransferResult`.
final class CurlEasy {
    /// Reached only by `CurlMulti` (this file), to add and remove the transfer.
    fileprivate let handle: UnsafeMutableRawPointer
    private let sink = ResponseSink()
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// curl writes into this for the whole life of the handle, so it is allocated here, not borrowed from a Swift
    /// array.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// A transfer set up for `request`.
    init(request: HTTPRequest) throws {
        try CurlLibrary.ensureInitialised()
        guard let handle = curl_easy_init() else { throw CurlError(code: -1, message: "curl_easy_init failed") }
        self.handle = handle
        errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let opaque = Unmanaged.passUnretained(sink).toOpaque()
        try set(CURLOPT_WRITEFUNCTION, callback: curlBodyCallback)
        try set(CURLOPT_WRITEDATA, pointer: opaque)
        try set(CURLOPT_HEADERFUNCTION, callback: curlHeaderCallback)
        try set(CURLOPT_HEADERDATA, pointer: opaque)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_NOSIGNAL, 1)
        try configure(request)
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
        try curlCheck(
            vl_curl_easy_setopt_data_callback(handle, option, callback),
            "setting curl option \(option.rawValue)")
    }

    /// Sets request headers; the list lives as long as this handle.
    func setHeaders(_ lines: [String]) throws {
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else {
                throw CurlError(code: -1, message: "curl_slist_append failed")
            }
            headerList = appended
        }
        try curlCheck(vl_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList), "CURLOPT_HTTPHEADER")
    }

    /// Copies the body into curl, so no Swift buffer has to outlive the call.
    func setBody(_ body: Data) throws {
        try set(CURLOPT_POSTFIELDSIZE, body.count)
        try body.withUnsafeBytes { raw in
            try set(CURLOPT_COPYPOSTFIELDS, pointer: UnsafeMutableRawPointer(mutating: raw.baseAddress))
        }
    }

    /// Runs the transfer synchronously (credential fetches, doctor; the queue uses `CurlMulti`).
    func perform() -> TransferResult {
        errorBuffer[0] = 0
        return result(of: curl_easy_perform(handle))
    }

    /// The finished transfer: its answer, or its failure classified for retrying.
    fileprivate func result(of code: CURLcode) -> TransferResult {
        if sink.overflowed {
            return .failure(TransportFailure(kind: .overflow, detail: message(for: code), headers: sink.headers))
        }
        guard code == CURLE_OK else {
            let kind = Self.kind(of: code)
            return .failure(TransportFailure(kind: kind, detail: message(for: code), headers: sink.headers))
        }
        var status = 0
        do {
            try curlCheck(vl_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status), "CURLINFO_RESPONSE_CODE")
        } catch {
            return .failure(TransportFailure(kind: .other, detail: "\(error)", headers: sink.headers))
        }
        return .success(HTTPResponse(status: status, headers: sink.headers, body: sink.body))
    }

    /// curl's detailed error text for the transfer, else its generic message for `code`.
    private func message(for code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    /// Transport results the SDKs retry (refused, reset, timed out) versus ones they do not.
    static func kind(of code: CURLcode) -> TransportFailure.Kind {
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_RECV_ERROR,
            CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM,
            CURLE_SSL_CONNECT_ERROR:
            return .connection
        default:
            return .other
        }
    }
}

/// Owns one `CURLM*` (the connection pool) and the easy handles in flight, each known outside only by an opaque
/// `TransferID`: the curl side of the `TransferEngine` the queue drives.
final class CurlMulti: TransferEngine {
    private let handle: UnsafeMutableRawPointer
    private var transfers: [TransferID: CurlEasy] = [:]
    private var idOfHandle: [UnsafeMutableRawPointer: TransferID] = [:]
    private var nextID = 0

    init(maxHostConnections: Int) throws {
        try CurlLibrary.ensureInitialised()
        guard let handle = curl_multi_init() else { throw CurlError(code: -1, message: "curl_multi_init failed") }
        self.handle = handle
        try curlMultiCheck(
            vl_curl_multi_setopt_long(handle, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX)),
            "CURLMOPT_PIPELINING")
        try curlMultiCheck(
            vl_curl_multi_setopt_long(handle, CURLMOPT_MAX_HOST_CONNECTIONS, maxHostConnections),
            "CURLMOPT_MAX_HOST_CONNECTIONS")
        // libcurl keeps at most 4 idle connections per transfer in progress by default, so a lull (reading slower than
        // the calls for a moment, a last round) closed connections the next round opened again: a TCP connect and, with
        // the real service, a TLS handshake each. Every connection the run may use is kept: one per slot on each of the
        // two hosts a run talks to (the API, or the registry and its token service).
        try curlMultiCheck(
            vl_curl_multi_setopt_long(handle, CURLMOPT_MAXCONNECTS, maxHostConnections * Self.hostsPerRun),
            "CURLMOPT_MAXCONNECTS")
    }

    /// The hosts one run talks to at most: the API, or the registry and its token service.
    static let hostsPerRun = 2

    deinit {
        // Failing here means a bad handle or a call from inside a callback: a programming error, with nothing left to
        // tell at teardown, so it is asserted (debug builds) rather than thrown.
        for easy in transfers.values {
            let code = curl_multi_remove_handle(handle, easy.handle)
            assert(code == CURLM_OK, "curl_multi_remove_handle: \(code.rawValue)")
        }
        let code = curl_multi_cleanup(handle)
        assert(code == CURLM_OK, "curl_multi_cleanup: \(code.rawValue)")
    }

    func start(_ request: HTTPRequest) throws -> TransferID {
        let easy = try CurlEasy(request: request)
        try curlMultiCheck(curl_multi_add_handle(handle, easy.handle), "curl_multi_add_handle")
        let id = TransferID(value: nextID)
        nextID += 1
        transfers[id] = easy
        idOfHandle[easy.handle] = id
        return id
    }

    /// Drives transfers, then waits up to `timeoutMs` for activity; when some already finished, it returns without
    /// waiting, so a fast answer is never held back by the poll timeout.
    func poll(timeoutMs: Int) throws {
        var running: Int32 = 0
        try curlMultiCheck(curl_multi_perform(handle, &running), "curl_multi_perform")
        if Int(running) < transfers.count { return }
        var numfds: Int32 = 0
        try curlMultiCheck(curl_multi_poll(handle, nil, 0, Int32(max(0, timeoutMs)), &numfds), "curl_multi_poll")
        try curlMultiCheck(curl_multi_perform(handle, &running), "curl_multi_perform")
    }

    func completed() -> [(TransferID, TransferResult)] {
        var done: [(TransferID, TransferResult)] = []
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(handle, &remaining) {
            guard vl_curl_msg_is_done(message) != 0, let pointer = vl_curl_msg_easy(message),
                let id = idOfHandle[pointer], let easy = transfers[id]
            else { continue }
            let result = easy.result(of: vl_curl_msg_result(message))
            do {
                try cancel(id)
                done.append((id, result))
            } catch {
                done.append((id, .failure(TransportFailure(kind: .other, detail: "\(error)", headers: result.headers))))
            }
        }
        return done
    }

    func cancel(_ id: TransferID) throws {
        guard let easy = transfers.removeValue(forKey: id) else { return }
        idOfHandle[easy.handle] = nil
        try curlMultiCheck(curl_multi_remove_handle(handle, easy.handle), "curl_multi_remove_handle")
    }
}
