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
struct PlanKeys {
    private(set) var digests = DigestTable()
    private var repositories = ChunkedArray<Int32>()
    /// Positions in the key arrays, -1 for an empty slot; linear probing, at most three quarters full.
    private var slots: [Int32] = []

    var count: Int { digests.count }

    /// The key numbered `number`.
    subscript(number: Int) -> PlanKey { PlanKey(digest: digests[number], repository: repositories[number]) }

    /// The number of `key`, nil when it was never inserted.
    func number(of key: PlanKey) -> Int? {
        guard !slots.isEmpty else { return nil }
        var slot = home(of: key)
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { return nil }
            if repositories[entry] == key.repository && digests[entry] == key.digest { return entry }
            slot = slot + 1 == slots.count ? 0 : slot + 1
        }
    }

    /// Numbers `key` when it is new; returns its number and whether it was inserted now.
    mutating func insert(_ key: PlanKey) -> (number: Int, inserted: Bool) {
        if (count + 1) * 4 > slots.count * 3 { grow() }
        var slot = home(of: key)
        while true {
            let entry = Int(slots[slot])
            if entry < 0 {
                slots[slot] = Int32(count)
                repositories.append(key.repository)
                return (digests.append(key.digest), true)
            }
            if repositories[entry] == key.repository && digests[entry] == key.digest { return (entry, false) }
            slot = slot + 1 == slots.count ? 0 : slot + 1
        }
    }

    /// The slot `key` is looked for first: its hash scaled to the table (any size, not only powers of two).
    private func home(of key: PlanKey) -> Int {
        Int(UInt64(UInt(bitPattern: key.hashValue)).multipliedFullWidth(by: UInt64(slots.count)).high)
    }

    /// Makes the slots half as many again and places every key again.
    private mutating func grow() {
        slots = [Int32](repeating: -1, count: max(64, slots.count + slots.count / 2))
        for number in 0..<count {
            var slot = home(of: self[number])
            while slots[slot] >= 0 { slot = slot + 1 == slots.count ? 0 : slot + 1 }
            slots[slot] = Int32(number)
        }
    }
}
