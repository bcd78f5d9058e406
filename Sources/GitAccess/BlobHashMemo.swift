import ImageModel

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Remembers, across runs, what each git blob hashes to. A blob id names its content, so an entry never goes stale; a
/// repeated check or push then verifies local blobs without inflating them again. Kept in `<git-common-dir>/verify-layers/`;
/// a missing, foreign or corrupt file only costs the hashing it would have saved.
final class BlobHashMemo {
    static let fileName = "blob-hashes-v1"
    /// Beyond this many entries the file is started afresh rather than grown without bound.
    static let maxEntries = 500_000

    private let path: String
    private var entries: [BlobHashKey: BlobHash] = [:]
    private var loaded = false
    private var added = 0

    init(directory: String) {
        path = directory.appendingPath(BlobHashMemo.fileName)
    }

    func lookup(_ key: BlobHashKey) -> BlobHash? {
        if !loaded { load() }
        return entries.isEmpty ? nil : entries[key]
    }

    func record(_ key: BlobHashKey, _ hash: BlobHash) {
        guard hash.digest != nil else { return }
        if !loaded { load() }
        if entries.updateValue(hash, forKey: key) == nil { added += 1 }
    }

    /// Writes new entries back and frees the in-memory copy (a large run holds one entry per blob); a later lookup reloads
    /// the file. Entries that could not be written are kept.
    func saveAndUnload() {
        save()
        guard added == 0 else { return }
        entries = [:]
        loaded = false
    }

    /// Writes new entries back atomically (temp file + rename), so concurrent runs never see a torn file.
    private func save() {
        guard added > 0 else { return }
        if entries.count > BlobHashMemo.maxEntries { entries.removeAll() }
        let directory = path.parentPath
        let temporary = path + ".\(getpid()).tmp"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Written in 64 KiB pieces: the whole file (one line per blob) is never held next to the entries it comes from.
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return }
        var text: [UInt8] = []
        text.reserveCapacity(64 << 10)
        var written = true
        func flush() {
            var offset = 0
            while written && offset < text.count {
                let count = text.withUnsafeBytes {
                    write(descriptor, $0.baseAddress.map { $0 + offset }, $0.count - offset)
                }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { written = false } else { offset += count }
            }
            text.removeAll(keepingCapacity: true)
        }
        for (key, hash) in entries {
            guard let digest = hash.digest else { continue }
            key.id.appendHex(to: &text)
            text.append(UInt8(ascii: " "))
            digest.appendUTF8(to: &text)
            text.append(UInt8(ascii: " "))
            text.append(contentsOf: String(hash.size).utf8)
            text.append(UInt8(ascii: "\n"))
            if text.count >= 60 << 10 { flush() }
        }
        flush()
        if close(descriptor) != 0 { written = false }
        guard written, rename(temporary, path) == 0 else {
            unlink(temporary)
            return
        }
        added = 0
    }

    private func load() {
        loaded = true
        guard let data = FileManager.default.contents(atPath: path), data.count < 256 << 20 else { return }
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 10 { end += 1 }
                parseLine(UnsafeBufferPointer(rebasing: bytes[start..<end]))
                start = end + 1
            }
        }
    }

    /// `<40 hex oid> <algorithm>:<hex> <size>`; anything else is skipped.
    private func parseLine(_ line: UnsafeBufferPointer<UInt8>) {
        guard line.count > 42, line[40] == 32, let secondSpace = line[41...].firstIndex(of: 32) else { return }
        guard let id = ObjectID(hexUTF8: UnsafeBufferPointer(rebasing: line[0..<40])),
            let digest = Digest(utf8: UnsafeBufferPointer(rebasing: line[41..<secondSpace]))
        else { return }
        var size: Int64 = 0
        var digits = 0
        for byte in line[(secondSpace + 1)...] {
            guard byte >= 48 && byte <= 57, digits < 18 else { return }
            size = size * 10 + Int64(byte - 48)
            digits += 1
        }
        guard digits > 0 else { return }
        entries[BlobHashKey(id: id, algorithm: digest.algorithm)] = BlobHash(
            size: size, digest: digest, streamed: false)
    }
}
