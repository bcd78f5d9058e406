/// The digests a run's plan numbered, by number: reports name a blob's digest by its place here. Kept in chunks
/// (`ChunkedArray`: no doubling peak, copies share the chunks), a sha256 digest as its four words (32 bytes, where a
/// `Digest` takes 40), the rare sha512 one aside.
public struct DigestTable: RandomAccessCollection, Sendable {
    /// A sha256 digest's words; zero for a digest kept in `long` (a sha256 digest of zero words is looked up there too).
    @usableFromInline var words = ChunkedArray<SIMD4<UInt64>>()
    /// The sha512 digests, by number.
    @usableFromInline var long: [Int: Digest] = [:]

    @inlinable public init() {}

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { words.count }

    @inlinable public subscript(number: Int) -> Digest {
        let packed = words[number]
        if packed == .zero, !long.isEmpty, let digest = long[number] { return digest }
        return Digest(sha256Words: packed)
    }

    /// Adds `digest` at the end; returns its number.
    @discardableResult public mutating func append(_ digest: Digest) -> Int {
        guard let packed = digest.sha256Words else {
            long[words.count] = digest
            return words.append(.zero)
        }
        return words.append(packed)
    }

    /// Lets the digests of the `index`th chunk go (`ChunkedArray.release(chunk:)`): none of them is read again.
    public mutating func release(chunk index: Int) {
        words.release(chunk: index)
        guard !long.isEmpty else { return }
        let size = ChunkedArray<SIMD4<UInt64>>.chunkSize
        for number in index * size..<(index + 1) * size { long[number] = nil }
    }
}
