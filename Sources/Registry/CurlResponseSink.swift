import CCurl
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Collects a response body and headers; a class so libcurl's callbacks can reach it through an opaque pointer.
final class ResponseSink {
    private(set) var body = Data()
    private(set) var headers: [String: String] = [:]
    private(set) var overflowed = false

    func appendBody(_ pointer: UnsafeRawPointer, _ count: Int) -> Int {
        if body.count + count > TransportFailure.maxBodySize {
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

/// `CURLOPT_WRITEFUNCTION`: the body into the sink (returning less than offered ends an oversized transfer).
let curlBodyCallback: vl_curl_data_callback = { pointer, size, count, userdata in
    guard let pointer, let userdata else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
    return sink.appendBody(UnsafeRawPointer(pointer), size * count)
}

/// `CURLOPT_HEADERFUNCTION`: each header line into the sink.
let curlHeaderCallback: vl_curl_data_callback = { pointer, size, count, userdata in
    guard let pointer, let userdata else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
    sink.appendHeader(UnsafeRawPointer(pointer), size * count)
    return size * count
}
