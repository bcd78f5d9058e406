import ImageModel

/// The images of a streaming run, from when they are planned until the report is built. Each blob is packed into 24
/// bytes instead of a 104-byte `BlobRef`: its digest is the plan's key number, its media type an index into a table
/// kept once per run, its descriptor's file (and archive member) an index into a table kept once per image. A blob
/// the plan did not number (no repository, non-distributable, a config blob not checked) is kept whole.
struct HeldImages {
    private struct Packed {
        var size: Int64
        /// The plan's key number, or `-1 - i` for the `i`th blob kept whole.
        var key: Int32
        var mediaType: UInt32
        var line: Int32
        var place: UInt16
        var role: BlobRole
    }

    private struct Place: Equatable {
        var path: String
        var member: String?
    }

    private struct Held {
        /// The image without its blob list.
        var image: Image
        var blobs: [Packed]
        var places: [Place]
        var whole: [BlobRef]
    }

    private var held: [Held] = []
    private var mediaTypeNames: [String] = []
    private var mediaTypeIndex: [String: UInt32] = [:]

    var count: Int { held.count }

    /// Every image, without blobs (what manifest lookups are planned from).
    var images: [Image] { held.map(\.image) }

    /// Keeps `image`, whose blobs the plan numbered `keys` (`Plan.add(_:keys:)`: -1 for a blob not planned).
    mutating func keep(_ image: Image, keys: [Int32]) {
        var entry = Held(image: image, blobs: [], places: [], whole: [])
        entry.image.blobs = []
        entry.blobs.reserveCapacity(image.blobs.count)
        for (blob, key) in zip(image.blobs, keys) {
            let place = Place(path: blob.path, member: blob.member)
            let placeIndex = entry.places.firstIndex(of: place) ?? entry.places.count
            guard key >= 0, placeIndex < Int(UInt16.max), let line = Int32(exactly: blob.line) else {
                entry.whole.append(blob)
                entry.blobs.append(
                    Packed(size: 0, key: -Int32(entry.whole.count), mediaType: 0, line: 0, place: 0, role: blob.role))
                continue
            }
            if placeIndex == entry.places.count { entry.places.append(place) }
            entry.blobs.append(
                Packed(
                    size: blob.size, key: key, mediaType: typeIndex(blob.mediaType), line: line,
                    place: UInt16(placeIndex), role: blob.role))
        }
        held.append(entry)
    }

    /// The `position`th image with its blobs as they were read; its packed blobs are let go.
    mutating func take(_ position: Int, plan: Plan) -> Image {
        var image = held[position].image
        let entry = held[position]
        held[position].blobs = []
        held[position].whole = []
        image.blobs = entry.blobs.map { packed in
            if packed.key < 0 { return entry.whole[Int(-packed.key) - 1] }
            let place = entry.places[Int(packed.place)]
            return BlobRef(
                digest: plan.digest(ofKey: Int(packed.key)), size: packed.size,
                mediaType: mediaTypeNames[Int(packed.mediaType)], role: packed.role, path: place.path,
                line: Int(packed.line), member: place.member)
        }
        return image
    }

    private mutating func typeIndex(_ type: String) -> UInt32 {
        if let known = mediaTypeIndex[type] { return known }
        mediaTypeNames.append(type)
        let index = UInt32(mediaTypeNames.count - 1)
        mediaTypeIndex[type] = index
        return index
    }
}
