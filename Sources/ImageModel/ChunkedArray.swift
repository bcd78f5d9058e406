/// An array that grows only at the end, kept in chunks of 4,096 elements: growing never copies what is already there (an `Array` that
/// doubles holds the old and the new buffer at once), and a copy shares every chunk (copy-on-write per chunk), so a run
/// can hand the digests its plan numbered to the report without copying them.
public struct ChunkedArray<Element>: RandomAccessCollection {
    @usableFromInline static var chunkShift: Int { 12 }
    @usableFromInline static var chunkMask: Int { (1 << chunkShift) - 1 }

    @usableFromInline var chunks: [[Element]] = []
    @usableFromInline var total = 0

    @inlinable public init() {}

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { total }

    @inlinable public subscript(position: Int) -> Element {
        get { chunks[position &>> Self.chunkShift][position & Self.chunkMask] }
        set { chunks[position &>> Self.chunkShift][position & Self.chunkMask] = newValue }
    }

    /// Adds `element` at the end; returns its position.
    @inlinable @discardableResult public mutating func append(_ element: Element) -> Int {
        if total & Self.chunkMask == 0 {
            var chunk: [Element] = []
            chunk.reserveCapacity(Self.chunkMask + 1)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(element)
        total += 1
        return total - 1
    }

    /// How many elements a chunk holds: `release(chunk:)` lets go of that many at once.
    @inlinable public static var chunkSize: Int { 1 << chunkShift }

    /// Lets the `index`th chunk's memory go, when it is full and no element of it will be read or written again (a
    /// position in it must not be used after this: it traps). The positions of the others stay as they were.
    @inlinable public mutating func release(chunk index: Int) {
        precondition((index + 1) << Self.chunkShift <= total, "only a full chunk can be released")
        chunks[index] = []
    }

    /// Whether `release(chunk:)` let the `index`th chunk go.
    @inlinable public func isReleased(chunk index: Int) -> Bool {
        index < chunks.count && chunks[index].isEmpty && (index + 1) << Self.chunkShift <= total
    }

    /// Adds `count` copies of `element` at the end.
    @inlinable public mutating func append(repeating element: Element, count: Int) {
        for _ in 0..<Swift.max(0, count) { append(element) }
    }
}

extension ChunkedArray: Sendable where Element: Sendable {}
