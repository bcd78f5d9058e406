import ImageModel
import Testing

@testable import Checking

/// A plan's batches carry each digest's key number, so answers fold into the verdicts without a second lookup by digest;
/// a batch made any other way (a test, `doctor`) is still folded by digest.
@Suite struct BatchKeysTests {
    /// Two repositories sharing digests, one image with a digest twice, batches cut at 100 and released partial: every
    /// key a batch names is the plan's number for that (repository, digest).
    @Test func everyBatchNamesThePlansKeyForEachDigest() {
        let plan = Plan(checkConfigBlob: true, cache: nil)
        var batches: [LayerBatch] = []
        batches += plan.add(image("app", layers: Array(1...150)))
        batches += plan.add(image("web", layers: Array(100...260) + [100]))
        batches += plan.add(image("app", layers: Array(140...180)))
        batches += plan.finish()
        // app: 151 digests, then 30 more; web: 162 (one twice): full batches as they fill, remainders at the end.
        #expect(batches.map(\.digests.count) == [100, 100, 81, 62])
        for batch in batches {
            #expect(batch.keys.count == batch.digests.count)
            let numberOf = plan.numbers(in: batch.repository)
            for (index, digest) in batch.digests.enumerated() {
                #expect(batch.key(at: index) == numberOf(digest))
            }
        }
        #expect(Set(batches.flatMap(\.keys)).count == plan.keyCount)
    }

    /// The keys are bookkeeping: a batch equals (and hashes as) the same digests for the same repository without them.
    @Test func keysAreNotPartOfABatchsIdentity() {
        let plan = Plan(checkConfigBlob: true, cache: nil)
        let planned = plan.add(image("app", layers: Array(1...99)))
        #expect(planned.count == 1)
        let bare = LayerBatch(repository: planned[0].repository, digests: planned[0].digests)
        #expect(bare.keys.isEmpty && bare.key(at: 0) == nil)
        #expect(planned[0] == bare)
        #expect(Set([planned[0], bare]).count == 1)
    }

    /// Folding an answer through the batch's keys or by digest gives the same verdicts.
    @Test func answersFoldTheSameWithOrWithoutKeys() {
        let plan = Plan(checkConfigBlob: true, cache: nil)
        let batches = plan.add(image("app", layers: Array(1...99))) + plan.finish()
        let batch = batches[0]
        let bare = LayerBatch(repository: batch.repository, digests: batch.digests)
        let verdicts: [LayerAnswer?] = batch.digests.indices.map { index in
            index % 3 == 0 ? nil : index % 3 == 1 ? .available(size: 100, mediaType: nil) : .unavailable(reason: "gone")
        }
        var keyed = Verdicts(collectingConfirmed: false)
        keyed.fold(BatchAnswer(batch: batch, verdicts: verdicts), plan: plan)
        var looked = Verdicts(collectingConfirmed: false)
        looked.fold(BatchAnswer(batch: bare, verdicts: verdicts), plan: plan)
        for number in 0..<plan.keyCount {
            #expect(String(describing: keyed.verdict(number)) == String(describing: looked.verdict(number)))
        }
        if case .available(let size, _, _)? = keyed.verdict(batch.key(at: 1) ?? -1) {
            #expect(size == 100)
        } else {
            Issue.record("the second digest was answered available")
        }
        #expect(keyed.verdict(batch.key(at: 0) ?? -1) != nil, "a digest the answer did not mention fails, never passes")
    }
}
