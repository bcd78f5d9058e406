import ImageModel
import Testing

@testable import Checking

/// The plan's key table: one number per distinct (repository, digest), in the order first seen, across table growth.
@Suite struct PlanKeysTests {
    /// A sha256 digest whose words differ only in a few bytes, so many keys share hash bits and probe past each other.
    static func digest(_ value: Int) -> Digest {
        var bytes = [UInt8](repeating: 0, count: 32)
        bytes[31] = UInt8(value & 0xFF)
        bytes[30] = UInt8((value >> 8) & 0xFF)
        bytes[7] = UInt8((value >> 16) & 0xFF)
        guard let digest = Digest(sha256Bytes: bytes) else { fatalError("32 bytes make a sha256 digest") }
        return digest
    }

    @Test func numbersEveryDistinctKeyOnceInTheOrderFirstSeen() {
        var keys = PlanKeys()
        var expected: [PlanKey: Int] = [:]
        for value in 0..<5_000 {
            for repository in Int32(0)..<3 {
                let key = PlanKey(digest: Self.digest(value), repository: repository)
                let (number, inserted) = keys.insert(key)
                #expect(inserted)
                #expect(number == expected.count)
                expected[key] = number
            }
        }
        #expect(keys.count == 15_000)
        for (key, number) in expected {
            #expect(keys.number(of: key) == number)
            let again = keys.insert(key)
            #expect(again.number == number && !again.inserted)
        }
        #expect(keys.count == 15_000)
    }

    @Test func aKeyNeverInsertedHasNoNumber() {
        var keys = PlanKeys()
        #expect(keys.number(of: PlanKey(digest: Self.digest(1), repository: 0)) == nil)
        _ = keys.insert(PlanKey(digest: Self.digest(1), repository: 0))
        #expect(keys.number(of: PlanKey(digest: Self.digest(1), repository: 1)) == nil)
        #expect(keys.number(of: PlanKey(digest: Self.digest(2), repository: 0)) == nil)
        #expect(keys.number(of: PlanKey(digest: Self.digest(1), repository: 0)) == 0)
    }
}

extension PlanKeysTests {
    /// The digests by number, across chunk boundaries; a copy taken earlier (what a report holds) keeps what it had.
    @Test func theDigestTableNamesEveryKeyAndACopyIsNotDisturbedByLaterKeys() {
        var keys = PlanKeys()
        for value in 0..<4_096 { _ = keys.insert(PlanKey(digest: Self.digest(value), repository: 0)) }
        let early = keys.digests
        for value in 4_096..<10_000 { _ = keys.insert(PlanKey(digest: Self.digest(value), repository: 1)) }
        #expect(early.count == 4_096 && early[4_095] == Self.digest(4_095))
        #expect(keys.digests.count == 10_000)
        #expect(Array(keys.digests) == (0..<10_000).map(Self.digest))
        #expect(keys[4_096] == PlanKey(digest: Self.digest(4_096), repository: 1))
        #expect(keys[4_095] == PlanKey(digest: Self.digest(4_095), repository: 0))
    }
}
