import ImageModel
import Testing

@testable import Checking

/// The images a streaming run holds until its report: every blob comes back exactly as it was read, whether packed or
/// kept whole (no plan key, a line or a style that does not fit the packed record).
@Suite struct HeldImagesTests {
    @Test func everyBlobComesBackAsItWasRead() {
        var blobs = [
            BlobRef(digest: digest(0), size: 10, mediaType: MediaType.ociConfig, role: .config, path: "m.json", line: 3)
        ]
        for n in 1...1_500 {
            // Over a thousand distinct styles (media types), a line past 2^22, an archive member on some.
            blobs.append(
                BlobRef(
                    digest: digest(n), size: Int64(n) << 33, mediaType: "type/\(n % 1_200)", role: .layer,
                    path: n % 2 == 0 ? "m.json" : "other.json", line: n == 77 ? 5_000_000 : n,
                    member: n % 5 == 0 ? "layer\(n).tar" : nil))
        }
        var image = image("app", layers: [])
        image.blobs = blobs
        var unplanned = HeldImagesTests.unplannedImage()
        let plan = Plan(checkConfigBlob: true, cache: nil)
        var held = HeldImages()
        var keys: [Int32] = []
        _ = plan.add(image, keys: &keys)
        held.keep(image, keys: keys)
        let planned = keys
        _ = plan.add(unplanned, keys: &keys)
        held.keep(unplanned, keys: keys)
        #expect(held.count == 2)
        // The report finds each verdict by the key the plan gave; a blob kept whole (-1) is looked up by its digest.
        let first = held.take(0, plan: plan)
        #expect(zip(first.keys, planned).allSatisfy { kept, given in kept == given || kept == -1 })
        #expect(first.keys.filter { $0 >= 0 }.count > 1_000)
        #expect(first.image.blobs == blobs)
        unplanned.findings = []
        let second = held.take(1, plan: plan)
        #expect(second.keys.allSatisfy { $0 == -1 })
        #expect(second.image.blobs == unplanned.blobs)
    }

    /// An image without a repository: the plan numbers none of its blobs.
    static func unplannedImage() -> Image {
        image(nil, layers: [4, 5, 6])
    }
}
