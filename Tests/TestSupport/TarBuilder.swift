import Foundation

/// Writes tar archives byte by byte, so tests can build both the archives tools write and the hostile ones they never would
/// (bad checksums, non-octal fields, absurd sizes, escaping names and links, truncation).
public struct TarBuilder {
    /// One member; `rawSize` replaces the octal size field verbatim (12 bytes) to forge a header.
    public struct Member {
        public var name: String
        public var data: Data
        public var type: UInt8
        public var link: String
        public var rawSize: [UInt8]?
        public var corruptChecksum: Bool

        public init(
            name: String, data: Data = Data(), type: Character = "0", link: String = "", rawSize: [UInt8]? = nil,
            corruptChecksum: Bool = false
        ) {
            self.name = name
            self.data = data
            self.type = type.asciiValue ?? UInt8(ascii: "0")
            self.link = link
            self.rawSize = rawSize
            self.corruptChecksum = corruptChecksum
        }

        public static func file(_ name: String, _ data: Data) -> Member { Member(name: name, data: data) }
        public static func file(_ name: String, _ text: String) -> Member { Member(name: name, data: Data(text.utf8)) }
        public static func directory(_ name: String) -> Member { Member(name: name, type: "5") }
        public static func symlink(_ name: String, to target: String) -> Member {
            Member(name: name, type: "2", link: target)
        }
        public static func hardlink(_ name: String, to target: String) -> Member {
            Member(name: name, type: "1", link: target)
        }
    }

    public var members: [Member]

    public init(_ members: [Member]) {
        self.members = members
    }

    /// The archive; `endMarker: false` leaves out the two zero blocks.
    public func build(endMarker: Bool = true) -> Data {
        var out = Data()
        for member in members {
            out.append(TarBuilder.header(member))
            out.append(member.data)
            let padding = (512 - member.data.count % 512) % 512
            out.append(Data(count: padding))
        }
        if endMarker { out.append(Data(count: 1024)) }
        return out
    }

    /// A ustar header with a correct checksum (unless asked otherwise).
    public static func header(_ member: Member) -> Data {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, length: Int) {
            for (index, byte) in text.utf8.prefix(length).enumerated() { block[offset + index] = byte }
        }
        put(member.name, at: 0, length: 100)
        put("0000644\0", at: 100, length: 8)
        put("0000000\0", at: 108, length: 8)
        put("0000000\0", at: 116, length: 8)
        if let raw = member.rawSize {
            for (index, byte) in raw.prefix(12).enumerated() { block[124 + index] = byte }
        } else {
            put(String(format: "%011o\0", member.data.count), at: 124, length: 12)
        }
        put("00000000000\0", at: 136, length: 12)
        block[156] = member.type
        put(member.link, at: 157, length: 100)
        put("ustar\0", at: 257, length: 6)
        put("00", at: 263, length: 2)
        for index in 148..<156 { block[index] = UInt8(ascii: " ") }
        var sum = block.reduce(0) { $0 + Int($1) }
        if member.corruptChecksum { sum += 1 }
        put(String(format: "%06o\0 ", sum), at: 148, length: 8)
        return Data(block)
    }

    /// gzip-compresses with the system's `gzip` (a real tool, as users' archives are made).
    public static func gzip(_ data: Data) throws -> Data {
        let directory = try TemporaryDirectory(prefix: "vl-gzip")
        let path = directory.path + "/a"
        try data.write(to: URL(fileURLWithPath: path))
        let result = try Shell.run(["gzip", "-n", path])
        guard result.status == 0 else { throw ShellError("gzip failed: \(result.stderr)") }
        return try Data(contentsOf: URL(fileURLWithPath: path + ".gz"))
    }
}
