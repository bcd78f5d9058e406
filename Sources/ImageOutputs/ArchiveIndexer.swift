import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Everything one pass over an archive found: its members (as an output source), what was wrong, and whether it is a tar at all.
public struct ArchiveContents {
    public enum Shape: Sendable, Equatable {
        /// A tar stream read to its end (or to the first fatal problem, recorded in `problems`).
        case tar
        /// Not a tar stream (no header checksum and no `ustar` magic in the first block): the reason.
        case notATar(String)
        /// A tar whose first members are none of an image archive's: the member that decided it.
        case notAnImage(String)
    }

    public var shape: Shape
    public var source: ArchiveFileSource
    public var problems: [ArchiveProblem]
    /// True when reading stopped at a fatal problem: the members are incomplete and no image should be read from them.
    public var incomplete: Bool
    public var compressed: Bool
}

/// Reads an archive stream once — gzip sniffed by its magic, then tar headers — recording each member's size and digest and
/// keeping only small JSON documents; nothing is written anywhere, links are recorded only when they stay inside the archive.
public struct ArchiveIndexer {
    let limits: ArchiveLimits

    public init(limits: ArchiveLimits = .standard) {
        self.limits = limits
    }

    /// `prefix` is the archive's repo path: members appear under `prefix/…` in the returned source, as if unpacked in place.
    public func index(_ raw: ByteStream, prefix: String, commit: String) -> ArchiveContents {
        let source = ArchiveFileSource(commit: commit, root: prefix)
        var contents = ArchiveContents(shape: .tar, source: source, problems: [], incomplete: false, compressed: false)
        let head: Data
        do {
            head = try ArchiveIndexer.readPrefix(raw, count: 10)
        } catch {
            contents.problems.append(
                ArchiveProblem(rule: .manifestInvalid, member: nil, message: "cannot be read: \(error)"))
            contents.incomplete = true
            return contents
        }
        if let other = ArchiveIndexer.otherCompression(head) {
            contents.shape = .notATar(
                "it is \(other)-compressed; verify-layers reads plain and gzip-compressed tars: commit it uncompressed or "
                    + "compressed with gzip")
            return contents
        }
        var stream: ByteStream = PrefixedStream(head, raw)
        if GzipStream.isGzip(head) {
            contents.compressed = true
            stream = GzipStream(stream)
        }
        let reader = TarReader(stream)
        var pass = Pass(limits: limits, source: source)
        do {
            try pass.run(reader, contents: &contents)
        } catch is StopReading {
            contents.incomplete = true
        } catch {
            if reader.headersRead == 0 && !reader.sawMagic && error is TarError {
                contents.shape = .notATar("\(error)")
            } else {
                let at = pass.current.map { " (at member \($0.debugQuoted))" } ?? ""
                contents.problems.append(
                    ArchiveProblem(
                        rule: .manifestInvalid, member: nil, message: "cannot be read to its end: \(error)\(at)"))
                contents.incomplete = true
            }
        }
        return contents
    }

    /// The compression other than gzip whose magic the first bytes of a file are (`docker save | zstd > app.tar`), if any:
    /// such a file is not a tar verify-layers can read, and the notice says so rather than quote a tar header field.
    static func otherCompression(_ head: Data) -> String? {
        if head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return "zstd" }
        if head.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return "xz" }
        // "BZh", the block size 1-9, then a block's or the end's 48-bit magic: no tar member name starts so.
        let bytes = [UInt8](head.prefix(10))
        guard bytes.count == 10, bytes.starts(with: Array("BZh".utf8)), (0x31...0x39).contains(bytes[3]) else {
            return nil
        }
        let magic = Array(bytes[4...])
        return magic == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59] || magic == [0x17, 0x72, 0x45, 0x38, 0x50, 0x90]
            ? "bzip2" : nil
    }

    /// True when the first bytes of a file are gzip's magic or a tar header's `ustar` magic (at offset 257).
    public static func looksLikeArchive(_ head: Data) -> Bool {
        if GzipStream.isGzip(head) { return true }
        guard head.count >= 262 else { return false }
        return head[head.startIndex + 257..<head.startIndex + 262].elementsEqual("ustar".utf8)
    }

    /// The first `count` bytes (fewer at the end of the stream).
    static func readPrefix(_ stream: ByteStream, count: Int) throws -> Data {
        var data = Data(count: count)
        var filled = 0
        while filled < count {
            let read = try data.withUnsafeMutableBytes { buffer in
                try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            }
            if read == 0 { break }
            filled += read
        }
        return data.prefix(filled)
    }

    /// The state of one pass.
    struct Pass {
        let limits: ArchiveLimits
        let source: ArchiveFileSource
        var members = 0
        var keptBytes: Int64 = 0
        var leadingUnknown = 0
        var sawMarker = false
        var current: String?

        init(limits: ArchiveLimits, source: ArchiveFileSource) {
            self.limits = limits
            self.source = source
        }

        mutating func run(_ reader: TarReader, contents: inout ArchiveContents) throws {
            while let header = try reader.next() {
                members += 1
                current = header.name
                if limitHit(reader, contents: &contents) { return }
                guard let name = ArchiveIndexer.normalise(header.name) else {
                    contents.problems.append(
                        ArchiveProblem(
                            rule: .manifestInvalid, member: header.name,
                            message: "its name is absolute or climbs out of the archive (path traversal); ignored"))
                    continue
                }
                if name.isEmpty { continue }  // `./` itself
                if decidesNotAnImage(name, contents: &contents) { return }
                try add(header, name: name, reader: reader, contents: &contents)
            }
            current = nil
            if reader.bytesRead > limits.maxTotalBytes {
                contents.problems.append(
                    ArchiveProblem(
                        rule: .manifestInvalid, member: nil,
                        message:
                            "decompresses to more than \(limits.maxTotalBytes) bytes (limit hit: total size, a tar bomb?)"
                    ))
                contents.incomplete = true
            }
        }

        /// True (with a problem, the contents marked incomplete) once the archive holds too many members or has
        /// decompressed to too many bytes.
        private func limitHit(_ reader: TarReader, contents: inout ArchiveContents) -> Bool {
            if members > limits.maxMembers {
                contents.problems.append(
                    ArchiveProblem(
                        rule: .manifestInvalid, member: nil,
                        message:
                            "holds more than \(limits.maxMembers) members (limit hit: member count); the rest were not read"
                    ))
                contents.incomplete = true
                return true
            }
            if reader.bytesRead > limits.maxTotalBytes {
                contents.problems.append(
                    ArchiveProblem(
                        rule: .manifestInvalid, member: nil,
                        message:
                            "decompresses to more than \(limits.maxTotalBytes) bytes (limit hit: total size, a tar bomb?); the rest were not read"
                    ))
                contents.incomplete = true
                return true
            }
            return false
        }

        /// True (with the shape set to `notAnImage`) when too many members come before an image archive's marker
        /// file without being an image archive's members.
        private mutating func decidesNotAnImage(_ name: String, contents: inout ArchiveContents) -> Bool {
            guard !sawMarker else { return false }
            if ArchiveIndexer.isMarker(name) {
                sawMarker = true
            } else if !ArchiveIndexer.isImageMember(name) {
                leadingUnknown += 1
                if leadingUnknown > limits.maxLeadingUnknownMembers {
                    contents.shape = .notAnImage(
                        "its first members (such as \(name.debugQuoted)) are not those of an OCI layout or docker archive"
                    )
                    return true
                }
            }
            return false
        }

        /// Records one member by its tar type: a file (hashed, kept when a small JSON document), a directory, a link.
        private mutating func add(
            _ header: TarHeader, name: String, reader: TarReader, contents: inout ArchiveContents
        ) throws {
            switch header.kind {
            case .file:
                try file(header, name: name, reader: reader, contents: &contents)
            case .directory:
                source.addDirectory(name)
            case .symlink:
                link(header, name: name, contents: &contents)
            case .hardlink:
                hardlink(header, name: name, contents: &contents)
            case .other(let type):
                let shown = type >= 0x20 && type < 0x7f ? String(UnicodeScalar(type)) : String(type)
                contents.problems.append(
                    ArchiveProblem(
                        rule: .outputSkipped, member: name,
                        message:
                            "member of tar type \(shown.debugDescription) (device, FIFO, sparse or unknown) is not a file; ignored"
                    ))
            }
        }

        private mutating func file(
            _ header: TarHeader, name: String, reader: TarReader, contents: inout ArchiveContents
        ) throws {
            guard header.size <= limits.maxMemberSize else {
                contents.problems.append(
                    ArchiveProblem(
                        rule: .manifestInvalid, member: name,
                        message:
                            "member declares \(header.size) bytes, over the \(limits.maxMemberSize)-byte limit (limit hit: member size); not read"
                    ))
                throw StopReading()
            }
            guard header.size <= limits.maxTotalBytes - reader.bytesRead else {
                contents.problems.append(
                    ArchiveProblem(
                        rule: .manifestInvalid, member: name,
                        message:
                            "member declares \(header.size) bytes, more than the archive may decompress to (\(limits.maxTotalBytes) bytes; limit hit: total size); not read"
                    ))
                throw StopReading()
            }
            let algorithm = ArchiveIndexer.algorithm(for: name)
            var hasher = ContentHasher(algorithm: algorithm)
            let small = header.size <= Int64(DocumentParser.maxDocumentSize)
            var kept: Data?
            var decided = false
            var notKept: String?
            try reader.readContent { chunk in
                hasher?.update(chunk)
                if !decided, small {
                    if let first = chunk.first(where: { ![0x20, 0x09, 0x0a, 0x0d].contains($0) }) {
                        decided = true
                        // 0xEF: a UTF-8 byte order mark, which the JSON reader skips (some Windows tools write one).
                        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") || first == 0xEF {
                            kept = Data(capacity: Int(header.size))
                        } else {
                            notKept = "it is not a JSON document (it starts with byte 0x\(String(first, radix: 16)))"
                        }
                    }
                }
                kept?.append(contentsOf: chunk)
                return true
            }
            if let data = kept {
                kept = withinBudget(data, name: name, notKept: &notKept, contents: &contents)
            } else if small && !decided {
                kept = Data()  // Empty or all whitespace: keep it, so parsing says what is wrong.
            }
            source.addFile(
                name, ArchiveMember(size: header.size, digest: hasher?.finalize(), data: kept, notKept: notKept))
        }

        /// A JSON document to keep, counted against the kept-bytes budget; nil (with a problem, and the reason in
        /// `notKept`) once the archive's documents would exceed it.
        private mutating func withinBudget(
            _ data: Data, name: String, notKept: inout String?, contents: inout ArchiveContents
        ) -> Data? {
            guard keptBytes + Int64(data.count) <= limits.maxKeptBytes else {
                let reason =
                    "the archive's JSON documents exceed \(limits.maxKeptBytes) bytes in total (limit hit: documents kept in memory)"
                notKept = reason
                contents.problems.append(ArchiveProblem(rule: .manifestInvalid, member: name, message: reason))
                return nil
            }
            keptBytes += Int64(data.count)
            return data
        }

        private mutating func link(_ header: TarHeader, name: String, contents: inout ArchiveContents) {
            let target = header.linkTarget
            let directory = SymlinkResolver.components(name).dropLast()
            var depth = directory.count
            var escapes = target.hasPrefix("/") || target.isEmpty
            for step in SymlinkResolver.components(target) where !escapes {
                if step == ".." { depth -= 1 } else { depth += 1 }
                if depth < 0 { escapes = true }
            }
            guard !escapes else {
                contents.problems.append(
                    ArchiveProblem(
                        rule: .manifestInvalid, member: name,
                        message: "symbolic link to \(target.debugQuoted) points outside the archive; not followed"))
                return
            }
            source.addSymlink(name, target: target)
        }

        private mutating func hardlink(_ header: TarHeader, name: String, contents: inout ArchiveContents) {
            guard let target = ArchiveIndexer.normalise(header.linkTarget), !target.isEmpty else {
                contents.problems.append(
                    ArchiveProblem(
                        rule: .manifestInvalid, member: name,
                        message:
                            "hard link to \(header.linkTarget.debugQuoted) points outside the archive; not followed"))
                return
            }
            guard let member = source.member(target) else {
                contents.problems.append(
                    ArchiveProblem(
                        rule: .manifestInvalid, member: name,
                        message:
                            "hard link to \(target.debugQuoted), which is not an earlier file of the archive; not followed"
                    ))
                return
            }
            source.addFile(name, member)
        }
    }

    /// A member name as a plain relative path (`./` and empty parts dropped); nil when absolute or holding `..`.
    static func normalise(_ name: String) -> String? {
        if name.hasPrefix("/") { return nil }
        var parts: [Substring] = []
        for part in name.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { return nil }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    static func isMarker(_ name: String) -> Bool { markers.contains(name) }

    /// The top-level names that say what kind of image archive a tar is.
    static let markers = ["oci-layout", "index.json", "manifest.json"]

    /// Names an OCI layout or docker archive holds: `blobs/…`, `repositories`, `<hex>.json`, `<hex>.tar`, `<id>/…`.
    static func isImageMember(_ name: String) -> Bool {
        if name == "blobs" || name.hasPrefix("blobs/") || name == "repositories" || name == "version" { return true }
        let first = name.split(separator: "/").first.map(String.init) ?? name
        let stem = first.split(separator: ".").first.map(String.init) ?? first
        return stem.count == 64 && stem.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    static func algorithm(for name: String) -> String {
        name.hasPrefix("blobs/sha512/") ? "sha512" : "sha256"
    }
}

/// A limit was hit and already reported: reading stops without a second finding.
struct StopReading: Error {}

/// Bytes already taken from a stream (to sniff it), then the rest of that stream.
final class PrefixedStream: ByteStream {
    private let prefix: DataByteStream
    private let rest: ByteStream
    private var prefixDone = false

    init(_ prefix: Data, _ rest: ByteStream) {
        self.prefix = DataByteStream(prefix)
        self.rest = rest
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if !prefixDone {
            let count = try prefix.read(into: buffer)
            if count > 0 { return count }
            prefixDone = true
        }
        return try rest.read(into: buffer)
    }
}
