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
