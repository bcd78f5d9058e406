import Foundation
import GitAccess
import ImageModel
import TestSupport
import Testing

/// A fixture repository plus helpers to commit with chosen dates and compare against `git rev-list`.
private final class History {
    let fixture: GitFixture
    private var tick = 1_700_000_000

    init() throws {
        fixture = try GitFixture()
    }

    /// Commits with a committer date `offset` seconds after the previous one (negative: a skewed clock).
    @discardableResult
    func commit(_ message: String, files: [String: String] = [:], offset: Int = 60) throws -> String {
        tick += offset
        for (path, text) in files { try fixture.write(path, Data(text.utf8)) }
        try fixture.git(["add", "-A"])
        let date = "\(tick) +0000"
        try fixture.git(
            ["commit", "-q", "--allow-empty", "-m", message],
            environment: ["GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date])
        return try rev("HEAD")
    }

    func rev(_ name: String) throws -> String {
        try fixture.git(["rev-parse", name]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func revList(_ arguments: [String]) throws -> [String] {
        try fixture.git(["rev-list", "--reverse", "--topo-order"] + arguments).stdout.split(separator: "\n").map(
            String.init)
    }

    func range(_ tips: [String], _ hidden: [String]) throws -> [String] {
        let repository = try GitRepository(discovering: fixture.path)
        return try CommitRange(repository: repository).commits(from: tips.map(id), excluding: hidden.map(id)).map(
            \.id.hex)
    }

    func id(_ hex: String) -> ObjectID {
        ObjectID(hex: hex) ?? ObjectID(hex: String(repeating: "0", count: 40))!
    }
}

@Test func linearRangeMatchesRevList() throws {
    let history = try History()
    var commits: [String] = []
    for index in 0..<6 { commits.append(try history.commit("c\(index)", files: ["f": "\(index)"])) }
    let walked = try history.range([commits[5]], [commits[2]])
    #expect(walked == Array(commits[3...5]))
    #expect(walked == (try history.revList([commits[5], "^" + commits[2]])))
}

@Test func branchesAndMergesMatchRevListWhateverTheHiddenSet() throws {
    let history = try History()
    let base = try history.commit("base", files: ["a": "0"])
    try history.fixture.git(["checkout", "-q", "-b", "side"])
    let side1 = try history.commit("side1", files: ["s": "1"])
    let side2 = try history.commit("side2", files: ["s": "2"])
    try history.fixture.git(["checkout", "-q", "main"])
    let main1 = try history.commit("main1", files: ["a": "1"])
    try history.fixture.git(
        ["merge", "-q", "--no-edit", "side"], environment: ["GIT_COMMITTER_DATE": "1700009999 +0000"])
    let merge = try history.rev("HEAD")
    let after = try history.commit("after", files: ["a": "2"])
    let cases: [([String], [String])] = [
        ([after], []), ([after], [base]), ([after], [side2]), ([after], [main1]), ([after], [side1, main1]),
        ([after], [merge]), ([side2, after], [base]), ([after], [after]), ([side2], [main1]),
    ]
    for (tips, hidden) in cases {
        let walked = try history.range(tips, hidden)
        let expected = try history.revList(tips + hidden.map { "^" + $0 })
        #expect(Set(walked) == Set(expected), "tips \(tips) hidden \(hidden)")
        #expect(walked.count == expected.count, "no commit twice")
    }
    // Parents come before children in the result.
    let walked = try history.range([after], [])
    for (position, hex) in walked.enumerated() {
        let parents = try history.fixture.git(["rev-list", "--parents", "-n", "1", hex]).stdout.split(separator: " ")
            .dropFirst()
        for parent in parents {
            let parentHex = parent.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect((walked.firstIndex(of: parentHex) ?? Int.max) < position)
        }
    }
}

@Test func skewedCommitterDatesStillHideWhatTheRemoteHas() throws {
    // The hidden side's commits carry dates far older than the ones built on top of them, and vice versa:
    // the walk must not stop early and report remote commits as new.
    let history = try History()
    let root = try history.commit("root", files: ["r": "0"])
    try history.fixture.git(["checkout", "-q", "-b", "remote"])
    var remoteTip = root
    for index in 0..<8 {
        remoteTip = try history.commit("remote\(index)", files: ["x": "\(index)"], offset: index == 0 ? -100_000 : 10)
    }
    try history.fixture.git(["checkout", "-q", "-b", "local"])
    let local1 = try history.commit("local1", files: ["y": "1"], offset: 500_000)
    let local2 = try history.commit("local2", files: ["y": "2"], offset: -900_000)
    let walked = try history.range([local2], [remoteTip])
    #expect(walked == [local1, local2])
    #expect(Set(walked) == Set(try history.revList([local2, "^" + remoteTip])))
}

@Test func missingHiddenIdsAreIgnoredAndMissingTipsAreErrors() throws {
    let history = try History()
    let first = try history.commit("one")
    let second = try history.commit("two")
    let absent = String(repeating: "ab", count: 20)
    #expect(try history.range([second], [absent]) == [first, second])
    #expect(throws: GitError.self) { try history.range([absent], []) }
}

@Test func shallowCloneStopsAtTheBoundaryWithoutError() throws {
    let history = try History()
    for index in 0..<4 { try history.commit("c\(index)", files: ["f": "\(index)"]) }
    let clone = try TemporaryDirectory(prefix: "vl-shallow")
    try Shell.run(
        ["git", "clone", "-q", "--depth", "2", "file://" + history.fixture.path, clone.path + "/c"],
        environment: GitFixture.baseEnvironment)
    let repository = try GitRepository(discovering: clone.path + "/c")
    #expect(try repository.isShallow)
    let head = try repository.resolveCommit("HEAD")
    let walked = try CommitRange(repository: repository).commits(from: [head], excluding: [])
    #expect(walked.count == 2)
    #expect(walked.first?.isBoundary == true)
    #expect(walked.first?.parents.isEmpty == true)
    #expect(walked.last?.isBoundary == false)
}

@Test func graftsAndReplaceRefsDoNotBreakTheWalk() throws {
    let history = try History()
    var commits: [String] = []
    for index in 0..<4 { commits.append(try history.commit("c\(index)", files: ["f": "\(index)"])) }
    // An info/grafts entry naming a parent that does not exist, and a replace ref grafting another commit.
    let missing = String(repeating: "cd", count: 20)
    try history.fixture.write(".git/info/grafts", Data("\(commits[2]) \(missing)\n".utf8))
    try history.fixture.git(["replace", "--graft", commits[1]])
    let walked = try history.range([commits[3]], [commits[0]])
    #expect(walked.last == commits[3])
    #expect(Set(walked).isSubset(of: Set(commits)))
    #expect(walked.count == Set(walked).count)
}
