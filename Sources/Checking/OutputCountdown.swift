import ImageModel

/// Counts down, per repository, the outputs still to be read whose images can map to it (as forecast before reading),
/// so a repository's last, partial batch can leave once no unread output can add to it. An output forecast as
/// `.unknown` may add to any repository: while one is unread, no repository is settled. Nor is any while more outputs
/// are still to be forecast (`expect(_:more:)`).
struct OutputCountdown {
    /// The forecast of every expected output, in reading order, flat: output `i`'s repositories are
    /// `numbers[ends[i - 1]..<ends[i]]` (numbers into `names`), `unknownNumber` for an unknown forecast. A forecast kept
    /// as itself holds a set (its own allocation, ~100 bytes) per output: 0.2 MiB at 2,000 outputs, held all run.
    private var numbers: [Int32] = []
    private var ends: [Int32] = []
    private var names: [RepositoryRef] = []
    private var numberOf: [RepositoryRef: Int32] = [:]
    private static let unknownNumber: Int32 = -1
    private var next = 0
    private var unread: [RepositoryRef: Int] = [:]
    private var unknownUnread = 0
    /// More outputs will be expected: an output not yet forecast may add to any repository.
    private(set) var awaitingMore = false

    /// What reading one more output settled.
    struct Step {
        /// Repositories whose last forecast output this was.
        var reachedZero: [RepositoryRef] = []
        /// The last unknown output was read: every repository at zero is settled now.
        var unknownCleared = false
    }

    /// Adds outputs to be read after those already expected; `more`: others will be expected after these.
    mutating func expect(_ next: [RepositoryForecast], more: Bool = false) {
        awaitingMore = more
        for forecast in next {
            switch forecast {
            case .unknown:
                unknownUnread += 1
                numbers.append(Self.unknownNumber)
            case .repositories(let repositories):
                for repository in repositories {
                    unread[repository, default: 0] += 1
                    numbers.append(number(of: repository))
                }
            }
            ends.append(Int32(numbers.count))
        }
    }

    private mutating func number(of repository: RepositoryRef) -> Int32 {
        if let known = numberOf[repository] { return known }
        names.append(repository)
        numberOf[repository] = Int32(names.count - 1)
        return Int32(names.count - 1)
    }

    /// Whether any output was forecast: until one is, nothing is known of what is still to be read.
    var hasForecasts: Bool { !ends.isEmpty }

    /// No expected output still unread can add to `repository`.
    func isSettled(_ repository: RepositoryRef) -> Bool {
        !awaitingMore && unknownUnread == 0 && unread[repository, default: 0] == 0
    }

    /// Marks the next expected output read; nil when every expected output was already read (nothing is settled by
    /// an output nobody forecast).
    mutating func outputRead() -> Step? {
        guard next < ends.count else { return nil }
        var step = Step()
        for number in numbers[Int(next == 0 ? 0 : ends[next - 1])..<Int(ends[next])] {
            guard number != Self.unknownNumber else {
                unknownUnread -= 1
                step.unknownCleared = unknownUnread == 0
                continue
            }
            let repository = names[Int(number)]
            let left = unread[repository, default: 0] - 1
            unread[repository] = left == 0 ? nil : left
            if left == 0 { step.reachedZero.append(repository) }
        }
        next += 1
        return step
    }
}
