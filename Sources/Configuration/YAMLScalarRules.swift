/// YAML 1.1 plain-scalar resolution written as byte matchers, the same patterns Yams's default resolver held as
/// regular expressions (which pulled ICU into the binary through NSRegularExpression).
enum YAMLScalarRules {
    private static let bools: Set<String> = [
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON",
        "off", "Off", "OFF",
    ]

    static func isBool(_ text: String) -> Bool { bools.contains(text) }

    /// `[-+]?0b[01_]+ | [-+]?0o?[0-7_]+ | [-+]?(0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+ | [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+`
    static func isInt(_ all: [UInt8]) -> Bool {
        let text = dropSign(all)
        guard let first = text.first else { return false }
        if first == z, text.count >= 3, text[1] == UInt8(ascii: "b") { return allOf(text.dropFirst(2), binary) }
        if first == z, text.count >= 3, text[1] == UInt8(ascii: "x") { return allOf(text.dropFirst(2), hex) }
        if first == z, text.count >= 3, text[1] == UInt8(ascii: "o") { return allOf(text.dropFirst(2), octal) }
        if first == z { return text.count == 1 || allOf(text.dropFirst(), octal) }
        guard isDigit(first) else { return false }
        let parts = text.split(separator: colon, omittingEmptySubsequences: false)
        guard allOf(parts[0], decimal) else { return false }
        return parts.dropFirst().allSatisfy(isSexagesimalPart)
    }

    /// `[-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)? | \.[0-9_]+([eE][-+][0-9]+)? | [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* |
    /// [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`
    static func isFloat(_ all: [UInt8]) -> Bool {
        let string = String(decoding: all, as: UTF8.self)
        if [".nan", ".NaN", ".NAN"].contains(string) { return true }
        let text = dropSign(all)
        if [".inf", ".Inf", ".INF"].contains(String(decoding: text, as: UTF8.self)) { return true }
        if all.first == dot { return isDotFraction(all) }
        guard let first = text.first, isDigit(first) else { return false }
        if text.contains(colon) {
            guard let point = text.firstIndex(of: dot) else { return false }
            let parts = text[..<point].split(separator: colon, omittingEmptySubsequences: false)
            return allOf(parts[0], decimal) && parts.count > 1 && parts.dropFirst().allSatisfy(isSexagesimalPart)
                && allOf(text[(point + 1)...], decimal, allowEmpty: true)
        }
        var index = text.startIndex
        while index < text.endIndex, decimal(text[index]) { index += 1 }
        if index < text.endIndex, text[index] == dot {
            index += 1
            while index < text.endIndex, decimal(text[index]) { index += 1 }
        }
        if index == text.endIndex { return true }
        guard text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") else { return false }
        index += 1
        if index < text.endIndex, text[index] == plus || text[index] == minus { index += 1 }
        return index < text.endIndex && text[index...].allSatisfy(isDigit)
    }

    /// `YYYY-MM-DD`, or `YYYY-M?-D?(T|t|[ \t]+)H?H:MM:SS(\.[0-9]*)?([ \t]*(Z|[-+]H?H(:MM)?))?`
    static func isTimestamp(_ text: [UInt8]) -> Bool {
        var scanner = ByteScanner(bytes: text)
        guard scanner.digits(4), scanner.take(minus) else { return false }
        var dateOnly = scanner
        if dateOnly.digits(2), dateOnly.take(minus), dateOnly.digits(2), dateOnly.atEnd { return true }
        guard scanner.digits(1, upTo: 2), scanner.take(minus), scanner.digits(1, upTo: 2) else { return false }
        if !scanner.take(UInt8(ascii: "T")), !scanner.take(UInt8(ascii: "t")) {
            guard scanner.blanks() > 0 else { return false }
        }
        guard scanner.digits(1, upTo: 2), scanner.take(colon), scanner.digits(2), scanner.take(colon), scanner.digits(2)
        else { return false }
        if scanner.take(dot) { _ = scanner.digitRun() }
        _ = scanner.blanks()
        if scanner.atEnd { return true }
        if scanner.take(UInt8(ascii: "Z")) { return scanner.atEnd }
        guard scanner.take(plus) || scanner.take(minus), scanner.digits(1, upTo: 2) else { return false }
        if scanner.take(colon) { guard scanner.digits(2) else { return false } }
        return scanner.atEnd
    }

    private static let z = UInt8(ascii: "0")
    private static let dot = UInt8(ascii: ".")
    private static let colon = UInt8(ascii: ":")
    private static let plus = UInt8(ascii: "+")
    private static let minus = UInt8(ascii: "-")
    private static let underscore = UInt8(ascii: "_")

    private static func dropSign(_ text: [UInt8]) -> ArraySlice<UInt8> {
        if let first = text.first, first == plus || first == minus { return text.dropFirst() }
        return text[...]
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= z && byte <= UInt8(ascii: "9") }
    private static func decimal(_ byte: UInt8) -> Bool { isDigit(byte) || byte == underscore }
    private static func binary(_ byte: UInt8) -> Bool { byte == z || byte == UInt8(ascii: "1") || byte == underscore }
    private static func octal(_ byte: UInt8) -> Bool { (byte >= z && byte <= UInt8(ascii: "7")) || byte == underscore }
    private static func hex(_ byte: UInt8) -> Bool {
        decimal(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }

    private static func allOf(_ bytes: ArraySlice<UInt8>, _ test: (UInt8) -> Bool, allowEmpty: Bool = false) -> Bool {
        (allowEmpty || !bytes.isEmpty) && bytes.allSatisfy(test)
    }

    /// `[0-5]?[0-9]`
    private static func isSexagesimalPart(_ part: ArraySlice<UInt8>) -> Bool {
        switch part.count {
        case 1: return isDigit(part[part.startIndex])
        case 2:
            return part[part.startIndex] >= z && part[part.startIndex] <= UInt8(ascii: "5")
                && isDigit(part[part.startIndex + 1])
        default: return false
        }
    }

    /// `\.[0-9_]+([eE][-+][0-9]+)?`
    private static func isDotFraction(_ text: [UInt8]) -> Bool {
        var index = 1
        while index < text.count, decimal(text[index]) { index += 1 }
        guard index > 1 else { return false }
        if index == text.count { return true }
        guard text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E"), index + 2 < text.count,
            text[index + 1] == plus || text[index + 1] == minus
        else { return false }
        return text[(index + 2)...].allSatisfy(isDigit)
    }
}

/// A cursor over ASCII bytes for the timestamp pattern.
private struct ByteScanner {
    let bytes: [UInt8]
    var index = 0

    var atEnd: Bool { index == bytes.count }

    mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// Exactly `count` digits.
    mutating func digits(_ count: Int) -> Bool { digits(count, upTo: count) }

    /// Between `least` and `most` digits, as many as there are.
    mutating func digits(_ least: Int, upTo most: Int) -> Bool {
        var taken = 0
        while taken < most, index < bytes.count, YAMLScalarRules.isDigit(bytes[index]) {
            index += 1
            taken += 1
        }
        return taken >= least
    }

    mutating func digitRun() -> Int {
        var taken = 0
        while index < bytes.count, YAMLScalarRules.isDigit(bytes[index]) {
            index += 1
            taken += 1
        }
        return taken
    }

    mutating func blanks() -> Int {
        var taken = 0
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
            index += 1
            taken += 1
        }
        return taken
    }
}
