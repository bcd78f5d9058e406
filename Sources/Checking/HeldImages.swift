import ImageModel

/// The images of a streaming run, from when they are planned until the report is built. Each blob is packed into 16
/// bytes instead of a 104-byte `BlobRef`: its size, its digest as the plan's key number, and its line with the index
/// of its style (media type, role, descriptor file and archive member, kept once per image; the media type an index
/// into a table kept once per run) in the top bits. A blob the plan did not number (no repository, non-distributable, a
/// config blob not checked), or whose line or style does not fit, is kept whole.
struct HeldImages {
    private struct Packed {
        var size: Int64
        /// The plan's key number, or `-1 - i` for the `i`th blob kept whole.
        var key: Int32
        /// The line in the low `lineBits` bits, the style's index above.
        var lineAndStyle: UInt32
    }

    /// Lines below 4,194,304 (a manifest is at most 4 MiB) and 1,024 styles an image fit.
    private static let lineBits: UInt32 = 22

    private struct Style: Equatable {
        var mediaType: UInt32
        var role: BlobRole
        var path: String
        var member: String?
    }

    /// An image as read, its blobs packed.
    private struct ReadImage {
        /// The image without its blob list.
        var image: Image
        var blobs: [Packed]
        var styles: [Style]
        var whole: [BlobRef]
    }

    /// One image, boxed (`indirect`): the list holds a word per image, and an image judged early holds only its judged
    /// form (a run of 2,000 images held them inline at 700 bytes each, judged or not, plus the list's spare capacity).
    private indirect enum Held {
        case read(ReadImage)
        /// Judged early (`judge`): only what its result needs.
        case judged(JudgedImage)
        /// Judged early once `judgedKeptInMemory` others were held: in the run's scratch file (`StoredJudgedImage`).
        case stored(SpilledBytes)
        /// Handed out for the report (`take`, `takeJudged`).
        case taken
    }

    private var held: [Held] = []
    /// Where judged images wait past `judgedKeptInMemory`; nil: all stay in memory.
    private let store: (any BlobRowSpill)?
    private var judgedInMemory = 0
    private var mediaTypeNames: [String] = []
    private var mediaTypeIndex: [String: UInt32] = [:]

    var count: Int { held.count }

    /// Judged images a run holds in memory before the rest wait in the scratch file: ~1 KB each (names, paths, the
    /// manifest digest, where the index names it), so 2,000 images held 2 MiB until the report. A run of fewer never
    /// writes or decodes one.
    static let judgedKeptInMemory = 256

    /// `store`: where judged images wait once `judgedKeptInMemory` are held (nil: in memory, however many).
    init(store: (any BlobRowSpill)? = nil) {
        self.store = store
    }

    /// Every image, without blobs (what manifest lookups are planned from); a judged one with its config blob. One the
    /// scratch file cannot give back is blank (and counted there: the run ends with exit 69).
    var images: [Image] {
        held.map { entry in
            switch entry {
            case .read(let read): read.image
            case .judged(let judged): judged.image
            case .stored(let stored): loaded(stored)?.image ?? Self.blank
            case .taken: Self.blank
            }
        }
    }

    /// What is left of an image handed out.
    private static let blank = Image(
        name: nil, outputPath: "", manifestPath: "", manifestDigest: nil, platform: nil, repository: nil, commit: "")

    /// Keeps `image`, whose blobs the plan numbered `keys` (`Plan.add(_:keys:)`: -1 for a blob not planned).
    mutating func keep(_ image: Image, keys: [Int32]) {
        var bare = image
        bare.blobs = []
        var blobs: [Packed] = []
        var styles: [Style] = []
        var whole: [BlobRef] = []
        blobs.reserveCapacity(image.blobs.count)
        for (blob, key) in zip(image.blobs, keys) {
            let style = Style(
                mediaType: typeIndex(blob.mediaType), role: blob.role, path: blob.path, member: blob.member)
            let styleIndex = styles.firstIndex(of: style) ?? styles.count
            guard key >= 0, styleIndex < 1 << (32 - Self.lineBits), blob.line >= 0, blob.line < 1 << Self.lineBits
            else {
                whole.append(blob)
                blobs.append(Packed(size: 0, key: -Int32(whole.count), lineAndStyle: 0))
                continue
            }
            if styleIndex == styles.count { styles.append(style) }
            blobs.append(
                Packed(size: blob.size, key: key, lineAndStyle: UInt32(styleIndex) << Self.lineBits | UInt32(blob.line))
            )
        }
        held.append(.read(ReadImage(image: bare, blobs: blobs, styles: styles, whole: whole)))
    }

    /// The `position`th image with its blobs as they were read, and the plan's key for each blob (-1 for one kept
    /// whole), by which the report finds each verdict instead of looking the digest up again; it is let go here.
    mutating func take(_ position: Int, plan: Plan) -> (image: Image, keys: [Int32]) {
        guard case .read(let entry) = held[position] else {
            preconditionFailure("image \(position) was judged or handed out already")
        }
        held[position] = .taken
        var image = entry.image
        let keys = entry.blobs.map { max($0.key, -1) }
        image.blobs = entry.blobs.map { packed in
            if packed.key < 0 { return entry.whole[Int(-packed.key) - 1] }
            let style = entry.styles[Int(packed.lineAndStyle >> Self.lineBits)]
            return BlobRef(
                digest: plan.digest(ofKey: Int(packed.key)), size: packed.size,
                mediaType: mediaTypeNames[Int(style.mediaType)], role: style.role, path: style.path,
                line: Int(packed.lineAndStyle & (1 << Self.lineBits - 1)), member: style.member)
        }
        return (image, keys)
    }

    private mutating func typeIndex(_ type: String) -> UInt32 {
        if let known = mediaTypeIndex[type] { return known }
        mediaTypeNames.append(type)
        let index = UInt32(mediaTypeNames.count - 1)
        mediaTypeIndex[type] = index
        return index
    }

    /// Judges the `position`th image now, when every verdict on its keys is in, and keeps only what its result needs
    /// (`JudgedImage`), so its keys can be let go; returns the keys whose verdict disagreed with its descriptors.
    mutating func judge(_ position: Int, plan: Plan, verdicts: Verdicts, options: JudgingOptions) -> [Int] {
        let (image, keys) = take(position, plan: plan)
        let judged = ImageEvaluation.judge(image, keys: keys, plan: plan, verdicts: verdicts, options: options)
        held[position] = keepOrStore(judged)
        return judged.mismatchedKeys
    }

    /// `judged` kept in memory while fewer than `judgedKeptInMemory` are, else in the scratch file when it can be.
    private mutating func keepOrStore(_ judged: JudgedImage) -> Held {
        if judgedInMemory >= Self.judgedKeptInMemory, let store,
            let bytes = StoredJudgedImage.bytes(of: judged, in: store), let stored = store.store(bytes)
        {
            return .stored(stored)
        }
        judgedInMemory += 1
        return .judged(judged)
    }

    /// The judged image stored as `stored`; nil when the scratch file cannot give it back (counted there).
    private func loaded(_ stored: SpilledBytes) -> JudgedImage? {
        guard let store else { return nil }
        return store.load(stored) { StoredJudgedImage.judged(from: $0, spill: store) }
    }

    /// What a judged image the scratch file cannot give back is reported as: an image with an error, never one passed
    /// in silence (the run also ends with exit 69: the scratch file counted the failure).
    private static var unreadable: JudgedImage {
        var image = blank
        image.findings = [
            Finding(
                rule: .verificationError,
                message: "verify-layers could not read this image back from its scratch file in the cache directory",
                path: "", commit: "")
        ]
        return JudgedImage(
            image: image, blobs: BlobResults(), tally: BlobTally(), keepsRows: false, spilled: nil, namedDigests: [],
            blobFindings: [], failures: [], mismatchedKeys: [])
    }

    /// The `position`th image judged: as `judge` left it, or judged now; what was kept of it is let go.
    mutating func takeJudged(_ position: Int, plan: Plan, verdicts: Verdicts, options: JudgingOptions) -> JudgedImage {
        switch held[position] {
        case .judged(let judged):
            held[position] = .taken
            judgedInMemory -= 1
            return judged
        case .stored(let stored):
            held[position] = .taken
            return loaded(stored) ?? Self.unreadable
        case .read, .taken:
            break
        }
        let (image, keys) = take(position, plan: plan)
        return ImageEvaluation.judge(image, keys: keys, plan: plan, verdicts: verdicts, options: options)
    }
}
