#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One tar member header, after pax and GNU long-name records are applied.
public struct TarHeader: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file, directory, symlink, hardlink
        /// Devices, FIFOs, sparse files and anything else an image never holds; skipped.
        case other(UInt8)
    }

    public var name: String
    public var kind: Kind
    public var size: Int64
    public var linkTarget: String
}

/// Why a tar stream cannot be read on: the message says which header field or limit.
public struct TarError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Reads tar headers (ustar, GNU, pax) and member content from a stream in one forward pass with a fixed buffer: nothing is
/// extracted, every header is checked (checksum, octal fields, sizes) before its content is touched.
public final class TarReader {
    private let source: ByteStream
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var sourceEnded = false
    /// Content bytes of the current member not yet consumed, then its padding to the next 512-byte block.
    private var remaining: Int64 = 0
    private var padding = 0
    /// Bytes taken from the (decompressed) stream so far.
    public private(set) var bytesRead: Int64 = 0
    /// Headers whose checksum held, and whether any block carried the `ustar` magic: a stream with neither is not a tar at all.
    public private(set) var headersRead = 0
    public private(set) var sawMagic = false
    /// Largest pax or GNU long-name record accepted: real ones hold a path, not megabytes.
    static let maxMetadataSize: Int64 = 64 * 1024
    static let block = 512

    public init(_ source: ByteStream, bufferSize: Int = 256 * 1024) {
        self.source = source
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bufferSize, TarReader.block * 2), alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    /// The next member's header, or nil at the end-of-archive marker. Skips what is left of the previous member.
    public func next() throws -> TarHeader? {
        try skipContent()
        var metadata = Metadata()
        while true {
            guard let block = try readBlock() else {
                throw TarError("truncated: the archive ends without its end-of-archive blocks")
            }
            if block.allSatisfy({ $0 == 0 }) {
                // End of archive: a second zero block should follow; a lone one at the very end is tolerated as GNU tar does.
                _ = try readBlock()
                return nil
            }
            let raw = try rawHeader(block)
            if try absorb(raw, into: &metadata) { continue }
            return try header(raw, metadata)
        }
    }

    /// What pax and GNU long-name records say about the member that follows them.
    private struct Metadata {
        var longName: String?
        var longLink: String?
        var pax: [String: String] = [:]
    }

    /// The fields of one header block as written, before pax or long-name records apply.
    private struct RawHeader {
        var type: UInt8
        var size: Int64
        var name: String
        var link: String
    }

    /// Checks a header block (checksum, octal fields) and starts its member's content.
    private func rawHeader(_ block: [UInt8]) throws -> RawHeader {
        if block[257..<262].elementsEqual(Array("ustar".utf8)) { sawMagic = true }
        try TarReader.verifyChecksum(block)
        headersRead += 1
        let size = try TarReader.number(block[124..<136], field: "size")
        _ = try TarReader.number(block[100..<108], field: "mode")  // Checked for form only: nothing is extracted.
        var name = TarReader.string(block[0..<100])
        if block[257..<263].elementsEqual(Array("ustar\0".utf8)) {
            let prefix = TarReader.string(block[345..<500])
            if !prefix.isEmpty { name = prefix + "/" + name }
        }
        startContent(size)
        return RawHeader(type: block[156], size: size, name: name, link: TarReader.string(block[157..<257]))
    }

    private func startContent(_ size: Int64) {
        remaining = size
        padding = Int((TarReader.block - Int(size % Int64(TarReader.block))) % TarReader.block)
    }

    /// Reads a pax / GNU long-name record (or skips global pax defaults); false when the header is a member's own.
    private func absorb(_ raw: RawHeader, into metadata: inout Metadata) throws -> Bool {
        switch raw.type {
        case UInt8(ascii: "x"), UInt8(ascii: "L"), UInt8(ascii: "K"):
            guard raw.size <= TarReader.maxMetadataSize else {
                let what = raw.type == UInt8(ascii: "x") ? "pax" : "GNU long-name"
                throw TarError(
                    "a \(what) record declares \(raw.size) bytes, over the \(TarReader.maxMetadataSize)-byte limit")
            }
            let record = try readAll()
            if raw.type == UInt8(ascii: "x") {
                metadata.pax.merge(try TarReader.paxRecords(record)) { $1 }
            } else if raw.type == UInt8(ascii: "L") {
                metadata.longName = TarReader.string(record[...])
            } else {
                metadata.longLink = TarReader.string(record[...])
            }
            return true
        case UInt8(ascii: "g"):
            try skipContent()  // Global pax defaults: nothing an image needs.
            return true
        default:
            return false
        }
    }

    /// The member's header with its records applied.
    private func header(_ raw: RawHeader, _ metadata: Metadata) throws -> TarHeader {
        var header = TarHeader(
            name: metadata.longName ?? raw.name, kind: TarReader.kind(raw.type), size: raw.size,
            linkTarget: metadata.longLink ?? raw.link)
        if let path = metadata.pax["path"] { header.name = path }
        if let target = metadata.pax["linkpath"] { header.linkTarget = target }
        if let text = metadata.pax["size"] {
            guard let value = Int64(text), value >= 0 else {
                throw TarError("pax size \(text.debugDescription) is not a non-negative number")
            }
            header.size = value
            startContent(value)
        }
        switch header.kind {
        case .directory, .symlink, .hardlink:
            // These carry no content; a declared size would only shift the following headers, so it must be 0.
            if header.size != 0 { try skipContent() }
        default:
            break
        }
        return header
    }

    /// Passes the current member's content to `body` in chunks; `body` returns false to stop early (the rest is skipped).
    public func readContent(_ body: (UnsafeRawBufferPointer) throws -> Bool) throws {
        while remaining > 0 {
            try fill(minimum: 1)
            guard end > start else {
                throw TarError("truncated: the archive ends inside a member (\(remaining) bytes missing)")
            }
            let count = Int(min(Int64(end - start), remaining))
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[start..<(start + count)])
            start += count
            remaining -= Int64(count)
            if try !body(chunk) { break }
        }
        try skipContent()
    }

    /// Skips the rest of the current member and its padding.
    private func skipContent() throws {
        while remaining > 0 {
            try fill(minimum: 1)
            guard end > start else {
                throw TarError("truncated: the archive ends inside a member (\(remaining) bytes missing)")
            }
            let count = Int(min(Int64(end - start), remaining))
            start += count
            remaining -= Int64(count)
        }
        while padding > 0 {
            try fill(minimum: 1)
            guard end > start else { throw TarError("truncated: the archive ends inside a member's padding") }
            let count = min(end - start, padding)
            start += count
            padding -= count
        }
    }

    private func readAll() throws -> Data {
        var data = Data()
        try readContent { chunk in
            data.append(contentsOf: chunk)
            return true
        }
        return data
    }

    /// The next 512-byte block, nil at a clean end of stream.
    private func readBlock() throws -> [UInt8]? {
        try fill(minimum: TarReader.block)
        if end - start == 0 { return nil }
        guard end - start >= TarReader.block else { throw TarError("truncated: the archive ends inside a header") }
        let block = Array(buffer[start..<(start + TarReader.block)])
        start += TarReader.block
        return block
    }

    private func fill(minimum: Int) throws {
        guard end - start < minimum, !sourceEnded else { return }
        if start > 0 {
            let count = end - start
            if count > 0, let base = buffer.baseAddress { base.copyMemory(from: base + start, byteCount: count) }
            start = 0
            end = count
        }
        while end - start < minimum && !sourceEnded {
            let count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if count == 0 { sourceEnded = true } else { end += count; bytesRead += Int64(count) }
        }
    }

    // MARK: - Header fields

    static func kind(_ type: UInt8) -> TarHeader.Kind {
        switch type {
        case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): return .file
        case UInt8(ascii: "1"): return .hardlink
        case UInt8(ascii: "2"): return .symlink
        case UInt8(ascii: "5"): return .directory
        default: return .other(type)
        }
    }

    /// The header checksum: the unsigned (or, for old writers, signed) sum of the header with its checksum field as spaces.
    static func verifyChecksum(_ block: [UInt8]) throws {
        let stored = try number(block[148..<156], field: "checksum")
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for (index, byte) in block.enumerated() {
            let value = (148..<156).contains(index) ? UInt8(ascii: " ") : byte
            unsigned += Int64(value)
            signed += Int64(Int8(bitPattern: value))
        }
        guard stored == unsigned || stored == signed else {
            throw TarError(
                "bad header checksum (stored \(stored), computed \(unsigned)): not a tar header, or a corrupt one")
        }
    }

    /// An octal field (spaces or NULs around the digits), or GNU base-256 when the high bit of the first byte is set.
    static func number(_ field: ArraySlice<UInt8>, field name: String) throws -> Int64 {
        if let first = field.first, first & 0x80 != 0 {
            guard first == 0x80 else { throw TarError("the \(name) field is a negative or oversized base-256 number") }
            var value: Int64 = 0
            for byte in field.dropFirst() {
                guard value <= (Int64.max >> 8) else { throw TarError("the \(name) field overflows 63 bits") }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        var value: Int64 = 0
        var sawDigit = false
        var ended = false
        for byte in field {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                guard !ended else { throw TarError("the \(name) field \(quoted(field)) is not an octal number") }
                guard value <= (Int64.max >> 3) else { throw TarError("the \(name) field overflows 63 bits") }
                value = value << 3 | Int64(byte - UInt8(ascii: "0"))
                sawDigit = true
            case UInt8(ascii: " "), 0:
                if sawDigit { ended = true }
            default:
                throw TarError("the \(name) field \(quoted(field)) is not an octal number")
            }
        }
        return value
    }

    static func string(_ field: ArraySlice<UInt8>) -> String {
        let bytes = field.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func string(_ data: Data.SubSequence) -> String {
        String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
    }

    private static func quoted(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.map { $0 >= 0x20 && $0 < 0x7f ? $0 : UInt8(ascii: "?") }, as: UTF8.self).debugDescription
    }

    /// `<length> <key>=<value>\n` records of a pax extended header.
    static func paxRecords(_ data: Data) throws -> [String: String] {
        var records: [String: String] = [:]
        var rest = data[...]
        while !rest.isEmpty {
            guard let space = rest.firstIndex(of: UInt8(ascii: " ")),
                let length = Int(String(decoding: rest[rest.startIndex..<space], as: UTF8.self)), length > 0,
                length <= rest.count
            else { throw TarError("malformed pax record") }
            let record = rest[rest.startIndex..<(rest.startIndex + length)]
            rest = rest[(rest.startIndex + length)...]
            let body = record[(space + 1)...].dropLast()  // the trailing newline
            guard let equals = body.firstIndex(of: UInt8(ascii: "=")) else { throw TarError("malformed pax record") }
            records[String(decoding: body[body.startIndex..<equals], as: UTF8.self)] = String(
                decoding: body[(equals + 1)...], as: UTF8.self)
        }
        return records
    }
}
