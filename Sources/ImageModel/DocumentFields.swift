#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension DocumentParser {
    /// Typed access to one object's members, failing as `path.field: what was wrong` — the way a user can act on it.
    /// Absent and `null` optional fields are nil; a present field of the wrong type is an error, never silently dropped.
    ///
    /// No tree is built: the object is scanned once (every value checked as `JSONValue.parse` would) for where each
    /// member's value starts, and a field is decoded only when asked for, from the last occurrence of its name — the one a
    /// parsed dictionary would have kept. Names are compared by their UTF-8 bytes, which matches `String` equality for
    /// the ASCII field names asked for here (none holds a `K`, `;` or backquote, the only ASCII characters another
    /// scalar is canonically equivalent to). Valid only while the document's bytes are (inside `withUnsafeBytes`).
    struct Fields {
        let bytes: UnsafeBufferPointer<UInt8>
        /// Each member in document order (a repeated name appears twice).
        private let members: [Member]
        /// Where this object is (`layers[3]`), for error messages only: the element index is kept apart and joined only
        /// when a message needs it (a manifest of a hundred layers used to build a hundred paths nobody read).
        let parentPath: String
        let index: Int?
        /// Where the object starts: a missing field's error is located there.
        let start: Int

        /// One member as the scan found it: enough to decode it later without scanning it again.
        private struct Member {
            let name: JSONName
            /// Where the value starts.
            let value: Int
            /// The bytes of a string value without escapes (checked as UTF-8 by the scan).
            var plain: UnsafeBufferPointer<UInt8>?
            /// For a member named in `lists` whose value is an array: each element's offset, and its members when it is
            /// an object (a manifest's layers are scanned once, with the document).
            var elements: [(offset: Int, fields: Fields?)]?
        }

        /// Scans the object at `pull`, leaving it after the object; the elements of arrays named in `lists` are scanned
        /// as objects in the same pass.
        init(_ pull: inout JSONPull, path: String, index: Int? = nil, lists: [StaticString] = []) throws {
            bytes = pull.reader.bytes
            parentPath = path
            self.index = index
            start = pull.reader.position
            var members: [Member] = []
            try pull.members { pull, name in
                var member = Member(name: name, value: pull.reader.position)
                if pull.atString, let raw = try pull.reader.plainString() {
                    member.plain = raw
                } else if pull.atArray, lists.contains(where: { name == $0 }) {
                    let objectPath = index.map { "\(path)[\($0)]" } ?? path
                    let listPath = objectPath.isEmpty ? name.string : "\(objectPath).\(name.string)"
                    member.elements = try Fields.elements(&pull, path: listPath)
                } else {
                    try pull.reader.skip()
                }
                members.append(member)
            }
            self.members = members
        }

        /// The elements of the array at `pull`, objects scanned for their members.
        private static func elements(_ pull: inout JSONPull, path: String) throws -> [(offset: Int, fields: Fields?)] {
            var elements: [(offset: Int, fields: Fields?)] = []
            try pull.elements { pull in
                let offset = pull.reader.position
                if pull.atObject {
                    elements.append((offset, try Fields(&pull, path: path, index: elements.count)))
                } else {
                    try pull.reader.skip()
                    elements.append((offset, nil))
                }
            }
            return elements
        }

        var path: String { index.map { "\(parentPath)[\($0)]" } ?? parentPath }

        func at(_ key: StaticString) -> String {
            let path = self.path
            return path.isEmpty ? "\(key)" : "\(path).\(key)"
        }

        /// The position in `members` of the last member named `key`.
        private func find(_ key: StaticString) -> Int? {
            var index = members.count
            while index > 0 {
                index -= 1
                if members[index].name == key { return index }
            }
            return nil
        }

        /// Where the value of the last member named `key` starts.
        func offset(_ key: StaticString) -> Int? { find(key).map { members[$0].value } }

        /// A member named `key` is in the object, whatever its value.
        func has(_ key: StaticString) -> Bool { offset(key) != nil }

        /// The last member named `key` is `null`.
        func isNull(_ key: StaticString) -> Bool { offset(key).map { bytes[$0] == UInt8(ascii: "n") } ?? false }

        func present(_ key: StaticString) -> Int? {
            guard let offset = offset(key), bytes[offset] != UInt8(ascii: "n") else { return nil }
            return offset
        }

        func pull(at offset: Int) -> JSONPull {
            var reader = JSONReader(bytes)
            reader.position = offset
            return JSONPull(reader: reader)
        }

        func string(_ key: StaticString) throws -> String? {
            guard let found = find(key) else { return nil }
            let offset = members[found].value
            if bytes[offset] == UInt8(ascii: "n") { return nil }
            guard bytes[offset] == UInt8(ascii: "\"") else { throw Failure("\(at(key)): expected String", at: offset) }
            if let raw = members[found].plain { return String(decoding: raw, as: UTF8.self) }
            var pull = pull(at: offset)
            return try pull.reader.string()
        }

        /// A media type: one of `MediaType`'s shared constants when it is one (no `String` made), else as `string`.
        func mediaType(_ key: StaticString) throws -> String? {
            if let found = find(key), let raw = members[found].plain, let known = MediaType.interned(utf8: raw) {
                return known
            }
            return try string(key).map(MediaType.interned)
        }

        func requiredString(_ key: StaticString) throws -> String {
            guard has(key) else { throw Failure("\(at(key)): required field is missing", at: start) }
            guard let text = try string(key) else { throw Failure("\(at(key)): missing String value", at: offset(key)) }
            return text
        }

        func integer(_ key: StaticString) throws -> Int64? {
            guard let offset = present(key) else { return nil }
            let first = bytes[offset]
            guard first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
                throw Failure("\(at(key)): expected Int64", at: offset)
            }
            var pull = pull(at: offset)
            guard case .integer(let number) = try pull.reader.number() else {
                throw Failure("\(at(key)): expected Int64", at: offset)
            }
            return number
        }

        func requiredInteger(_ key: StaticString) throws -> Int64 {
            guard has(key) else { throw Failure("\(at(key)): required field is missing", at: start) }
            guard let number = try integer(key) else {
                throw Failure("\(at(key)): missing Int64 value", at: offset(key))
            }
            return number
        }

        func stringMap(_ key: StaticString) throws -> [String: String]? {
            guard let offset = present(key) else { return nil }
            guard bytes[offset] == UInt8(ascii: "{") else {
                throw Failure("\(at(key)): expected Dictionary<String, String>", at: offset)
            }
            // A dictionary keeps a name's first spelling and its last value; a value that is not a string fails only if
            // no later member of the same name replaces it.
            var entries: [String: String?] = [:]
            var names: [String] = []
            var pull = pull(at: offset)
            try pull.members { pull, name in
                let text: String? = pull.atString ? try pull.reader.string() : nil
                if text == nil { try pull.reader.skip() }
                let spelling = name.string
                if entries.updateValue(text, forKey: spelling) == nil { names.append(spelling) }
            }
            var result: [String: String] = [:]
            result.reserveCapacity(entries.count)
            for name in names {
                // The first offending name in document order (a tree's dictionary named an arbitrary one).
                guard let text = entries[name] ?? nil else {
                    throw Failure("\(at(key)).\(name): expected String", at: offset)
                }
                result[name] = text
            }
            return result
        }

        func stringList(_ key: StaticString) throws -> [String]? {
            guard let offset = present(key) else { return nil }
            guard bytes[offset] == UInt8(ascii: "[") else {
                throw Failure("\(at(key)): expected Array<String>", at: offset)
            }
            var result: [String] = []
            var pull = pull(at: offset)
            try pull.elements { pull in
                guard pull.atString else {
                    throw Failure("\(at(key))[\(result.count)]: expected String", at: pull.reader.position)
                }
                result.append(try pull.reader.string())
            }
            return result
        }

        func object(_ key: StaticString) throws -> Fields? {
            guard let offset = present(key) else { return nil }
            guard bytes[offset] == UInt8(ascii: "{") else {
                throw Failure("\(at(key)): expected an object", at: offset)
            }
            var pull = pull(at: offset)
            return try Fields(&pull, path: at(key))
        }

        func descriptor(_ key: StaticString) throws -> Descriptor? {
            guard let fields = try object(key) else { return nil }
            return try Descriptor(fields)
        }

        func descriptors(_ key: StaticString) throws -> [Descriptor]? {
            guard let offset = present(key) else { return nil }
            guard bytes[offset] == UInt8(ascii: "[") else {
                throw Failure("\(at(key)): expected Array<Descriptor>", at: offset)
            }
            let listPath = at(key)
            guard let elements = find(key).flatMap({ members[$0].elements }) else {
                var pull = pull(at: offset)
                return try Fields.elements(&pull, path: listPath).enumerated().map { index, element in
                    try descriptor(element, index: index, listPath: listPath)
                }
            }
            var result: [Descriptor] = []
            result.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                result.append(try descriptor(element, index: index, listPath: listPath))
            }
            return result
        }

        /// One element of a list of descriptors.
        private func descriptor(_ element: (offset: Int, fields: Fields?), index: Int, listPath: String) throws
            -> Descriptor
        {
            guard let fields = element.fields else {
                let itemPath = "\(listPath)[\(index)]"
                throw Failure(
                    bytes[element.offset] == UInt8(ascii: "n")
                        ? "\(itemPath): missing Descriptor value" : "\(itemPath): expected Descriptor",
                    at: element.offset)
            }
            return try Descriptor(fields)
        }
    }
}
