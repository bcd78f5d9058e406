import Foundation

/// Finds the 1-based line of a string in a document, so findings point at the digest itself.
public enum LineLocator {
    public static func line(of needle: String, in data: Data) -> Int {
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty, data.count >= pattern.count else { return 1 }
        return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Int in
            let bytes = raw.bindMemory(to: UInt8.self)
            var line = 1
            var index = 0
            let last = bytes.count - pattern.count
            let first = pattern[0]
            while index <= last {
                let byte = bytes[index]
                if byte == 10 { line += 1 }
                if byte == first {
                    var match = true
                    for offset in 1..<pattern.count where bytes[index + offset] != pattern[offset] {
                        match = false
                        break
                    }
                    if match { return line }
                }
                index += 1
            }
            return 1
        }
    }
}
