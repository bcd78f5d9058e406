import ImageModel

/// One distinct thing to ask about.
struct PlanKey: Hashable {
    var digest: Digest
    /// The plan's number for the repository.
    var repository: Int32
}

/// Every distinct (repository, digest) of a plan, numbered in the order first seen: the digests and repositories in
/// chunked arrays (the number is the position; growing never copies them, and the digests are shared with the report)
/// under an open-addressing table of 4-byte slots, grown by half at three quarters full. The slot is picked by Swift's
/// seeded `Hasher`: digests come from committed files, and a crafted set must not collide on purpose.
/// Keys can be removed (`remove(_:)`, a repository's once it is judged): a chunk of the key arrays whose every key was
/// removed is let go, and the table holds only the keys left, so it grows with the keys in flight, not with the run.
/// Each key's hash is kept beside it (4 bytes): removing a key, growing the table and rejecting a slot that holds
/// another key then read it instead of hashing a digest again.
struct PlanKeys {
    private(set) var digests = DigestTable()
    private var repositories = ChunkedArray<Int32>()
    /// Each key's hash (the top 32 bits of its seeded hash), by key number.
    private var hashes = ChunkedArray<UInt32>()
    /// Positions in the key arrays, -1 for an empty slot; linear probing, at most three quarters full.
    private var slots: [Int32] = []
    /// Keys in the table (numbered and not removed).
    private(set) var live = 0
    /// Per chunk of the key arrays, how many of its keys were removed.
    private var removedInChunk: [Int32] = []

    /// Keys ever numbered (removed ones included): the next key's number.
    var count: Int { digests.count }

    /// The key numbered `number`.
    subscript(number: Int) -> PlanKey { PlanKey(digest: digests[number], repository: repositories[number]) }

    /// The number of `key`, nil when it was never inserted.
    func number(of key: PlanKey) -> Int? {
        guard !slots.isEmpty else { return nil }
        let hash = Self.hash(of: key)
        var slot = home(hash)
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { return nil }
            if holds(entry, key, hash) { return entry }
            slot = slot + 1 == slots.count ? 0 : slot + 1
        }
    }

    /// Numbers `key` when it is new; returns its number and whether it was inserted now.
    mutating func insert(_ key: PlanKey) -> (number: Int, inserted: Bool) {
        if (live + 1) * 4 > slots.count * 3 { grow() }
        let hash = Self.hash(of: key)
        var slot = home(hash)
        while true {
            let entry = Int(slots[slot])
            if entry < 0 {
                slots[slot] = Int32(count)
                live += 1
                repositories.append(key.repository)
                hashes.append(hash)
                return (digests.append(key.digest), true)
            }
            if holds(entry, key, hash) { return (entry, false) }
            slot = slot + 1 == slots.count ? 0 : slot + 1
        }
    }

    /// Whether key `entry` is `key` (whose hash is `hash`): the kept hashes tell most other keys apart without reading
    /// their digests.
    private func holds(_ entry: Int, _ key: PlanKey, _ hash: UInt32) -> Bool {
        hashes[entry] == hash && repositories[entry] == key.repository && digests[entry] == key.digest
    }

    /// The top 32 bits of `key`'s seeded hash.
    private static func hash(of key: PlanKey) -> UInt32 {
        UInt32(truncatingIfNeeded: UInt64(UInt(bitPattern: key.hashValue)) >> 32)
    }

    /// The slot a key of hash `hash` is looked for first: the hash scaled to the table (any size, not only powers of
    /// two).
    private func home(_ hash: UInt32) -> Int {
        Int((UInt64(hash) * UInt64(slots.count)) >> 32)
    }

    /// Removes the keys numbered `numbers` (each in the table, none twice); returns the chunks of the key arrays that no
    /// key is left in, now let go (the caller lets its own arrays by key number go the same way).
    mutating func remove(_ numbers: [Int32]) -> [Int] {
        let size = ChunkedArray<Int32>.chunkSize
        var emptied: [Int] = []
        for number in numbers {
            let number = Int(number)
            var slot = home(hashes[number])
            while Int(slots[slot]) != number { slot = slot + 1 == slots.count ? 0 : slot + 1 }
            vacate(slot)
            live -= 1
            let chunk = number / size
            if chunk >= removedInChunk.count {
                removedInChunk += repeatElement(0, count: chunk + 1 - removedInChunk.count)
            }
            removedInChunk[chunk] += 1
            // A chunk goes once all its keys were numbered and removed; the one still filling stays until it is full.
            if removedInChunk[chunk] == size { emptied.append(chunk) }
        }
        for chunk in emptied {
            digests.release(chunk: chunk)
            repositories.release(chunk: chunk)
            hashes.release(chunk: chunk)
        }
        return emptied
    }

    /// Empties `slot`, moving back each later key of its run whose home is not after the gap (linear probing keeps
    /// every key reachable from its home without tombstones).
    private mutating func vacate(_ slot: Int) {
        var gap = slot
        var next = slot
        while true {
            next = next + 1 == slots.count ? 0 : next + 1
            let entry = slots[next]
            if entry < 0 { break }
            let home = home(hashes[Int(entry)])
            // The entry stays when its home lies cyclically in (gap, next].
            let stays = gap <= next ? (gap < home && home <= next) : (gap < home || home <= next)
            if stays { continue }
            slots[gap] = entry
            gap = next
        }
        slots[gap] = -1
    }

    /// Makes the slots half as many again (for the keys left) and places every key in the table again.
    private mutating func grow() {
        let old = slots
        slots = [Int32](repeating: -1, count: max(64, live * 2))
        for entry in old where entry >= 0 {
            var slot = home(hashes[Int(entry)])
            while slots[slot] >= 0 { slot = slot + 1 == slots.count ? 0 : slot + 1 }
            slots[slot] = entry
        }
    }
}
