import ImageModel

/// One distinct thing to ask about. The digest comes first so the key packs into 40 bytes.
struct PlanKey: Hashable {
    var digest: Digest
    /// The plan's number for the repository.
    var repository: Int32
}

/// Every distinct (repository, digest) of a plan, numbered in the order first seen: a dense array of keys (the number
/// is the position) under an open-addressing table of 4-byte slots. About 50 bytes a key at most, where
/// `[PlanKey: Int]` took up to 110 (56-byte buckets, doubled at three quarters full): 29 MB at 200,000 layers.
struct PlanKeys {
    private var keys: [PlanKey] = []
    /// Positions in `keys`, -1 for an empty slot; linear probing, at most three quarters full.
    private var slots: [Int32] = []

    var count: Int { keys.count }

    /// The key numbered `number`.
    subscript(number: Int) -> PlanKey { keys[number] }

    /// The number of `key`, nil when it was never inserted.
    func number(of key: PlanKey) -> Int? {
        guard !slots.isEmpty else { return nil }
        let mask = slots.count - 1
        var slot = key.hashValue & mask
        while true {
            let entry = slots[slot]
            if entry < 0 { return nil }
            if keys[Int(entry)] == key { return Int(entry) }
            slot = (slot + 1) & mask
        }
    }

    /// Numbers `key` when it is new; returns its number and whether it was inserted now.
    mutating func insert(_ key: PlanKey) -> (number: Int, inserted: Bool) {
        if (keys.count + 1) * 4 > slots.count * 3 { grow() }
        let mask = slots.count - 1
        var slot = key.hashValue & mask
        while true {
            let entry = slots[slot]
            if entry < 0 {
                slots[slot] = Int32(keys.count)
                keys.append(key)
                return (keys.count - 1, true)
            }
            if keys[Int(entry)] == key { return (Int(entry), false) }
            slot = (slot + 1) & mask
        }
    }

    /// Doubles the slots and places every key again.
    private mutating func grow() {
        let capacity = max(64, slots.count * 2)
        slots = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        for (number, key) in keys.enumerated() {
            var slot = key.hashValue & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(number)
        }
    }
}
