/// One commit of a walk: its tree and the parents that exist locally (a shallow boundary or graft leaves some out).
public struct WalkedCommit: Sendable, Hashable {
    public let id: ObjectID
    public let tree: ObjectID
    /// Parents present in the object database, in commit order.
    public let parents: [ObjectID]
    /// True when the commit names a parent this repository does not have (a shallow clone's boundary).
    public let isBoundary: Bool
}

/// `git rev-list <tips> --not <hidden>` done by hand: libgit2 1.5's revwalk fails on a shallow boundary, this walk stops there.
///
/// Like git's `limit_list`, it walks newest-first by committer date, paints everything reachable from a hidden commit
/// uninteresting, and stops once only uninteresting commits are left in the queue (plus a few for clock skew).
public struct CommitRange {
    /// How many extra uninteresting commits to pop after the queue turns all-uninteresting, as git's `SLOP`.
    static let slop = 5

    let repository: GitRepository

    public init(repository: GitRepository) {
        self.repository = repository
    }

    /// Commits reachable from `tips` and not from any of `hidden`, oldest first (parents before children).
    /// Hidden ids that are not in the object database are ignored; a tip that is missing is an error.
    public func commits(from tips: [ObjectID], excluding hidden: [ObjectID]) throws -> [WalkedCommit] {
        var walk = Walk(repository: repository)
        for tip in hidden where repository.contains(tip) {
            // A hidden id that is not a readable commit (a tree, a corrupt object) hides nothing.
            try? walk.enqueue(tip, uninteresting: true)
        }
        for tip in tips {
            guard repository.contains(tip) else {
                throw GitError(kind: .notFound, message: "commit \(tip.short) is not in this repository")
            }
            try walk.enqueue(tip, uninteresting: false)
        }
        try walk.run()
        return walk.result()
    }
}

/// The state of one limited walk; a value so every call starts clean.
private struct Walk {
    struct Node {
        var commit: WalkedCommit
        var time: Int64
        var uninteresting: Bool
        var queued: Bool
        /// Popped and its parents queued: painting uninteresting must now reach the parents itself.
        var expanded: Bool
    }

    let repository: GitRepository
    var nodes: [ObjectID: Node] = [:]
    var queue = DateQueue()
    var interestingQueued = 0
    /// Interesting commits in the order they were popped (newest first); filtered at the end.
    var popped: [ObjectID] = []

    init(repository: GitRepository) {
        self.repository = repository
    }

    mutating func enqueue(_ id: ObjectID, uninteresting: Bool) throws {
        if nodes[id] != nil {
            if uninteresting { paint(id) }
            return
        }
        let header = try repository.commitHeader(id)
        let present = header.parents.filter { repository.contains($0) }
        let commit = WalkedCommit(
            id: id, tree: header.tree, parents: present, isBoundary: present.count != header.parents.count)
        nodes[id] = Node(commit: commit, time: header.time, uninteresting: uninteresting, queued: true, expanded: false)
        queue.push(id, time: header.time)
        if !uninteresting { interestingQueued += 1 }
    }

    /// Marks `start` and everything already known below it uninteresting (git's `mark_parents_uninteresting`).
    mutating func paint(_ start: ObjectID) {
        var stack = [start]
        while let id = stack.popLast() {
            guard var node = nodes[id], !node.uninteresting else { continue }
            node.uninteresting = true
            if node.queued { interestingQueued -= 1 }
            nodes[id] = node
            if node.expanded { stack.append(contentsOf: node.commit.parents) }
        }
    }

    mutating func run() throws {
        var slop = CommitRange.slop
        while let id = queue.pop() {
            guard var node = nodes[id] else { continue }
            node.queued = false
            node.expanded = true
            nodes[id] = node
            if node.uninteresting {
                for parent in node.commit.parents {
                    if nodes[parent] != nil { paint(parent) } else { try enqueue(parent, uninteresting: true) }
                }
            } else {
                interestingQueued -= 1
                popped.append(id)
                for parent in node.commit.parents where nodes[parent] == nil {
                    try enqueue(parent, uninteresting: false)
                }
            }
            if interestingQueued == 0 {
                slop -= 1
                if slop <= 0 { break }
            } else {
                slop = CommitRange.slop
            }
        }
    }

    /// Interesting commits, parents before children (reverse of the date order, as `git rev-list --reverse`).
    func result() -> [WalkedCommit] {
        popped.reversed().compactMap { id in
            guard let node = nodes[id], !node.uninteresting else { return nil }
            return node.commit
        }
    }
}

/// A max-heap on committer time (ties broken by insertion order, so walks are deterministic).
struct DateQueue {
    private var heap: [(time: Int64, order: Int, id: ObjectID)] = []
    private var counter = 0

    var isEmpty: Bool { heap.isEmpty }

    mutating func push(_ id: ObjectID, time: Int64) {
        heap.append((time, counter, id))
        counter += 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard before(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> ObjectID? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var best = parent
            if left < heap.count && before(heap[left], heap[best]) { best = left }
            if right < heap.count && before(heap[right], heap[best]) { best = right }
            if best == parent { break }
            heap.swapAt(parent, best)
            parent = best
        }
        return top.id
    }

    private func before(_ lhs: (time: Int64, order: Int, id: ObjectID), _ rhs: (time: Int64, order: Int, id: ObjectID))
        -> Bool
    {
        lhs.time != rhs.time ? lhs.time > rhs.time : lhs.order < rhs.order
    }
}
