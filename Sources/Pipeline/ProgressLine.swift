import Checking
import Dispatch
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A one-line status on stderr that appears only when a run takes more than a moment and stderr is a terminal:
/// a quick run stays silent, and hook logs, pipes and CI never see carriage returns.
///
/// `@unchecked Sendable` is safe: every stored `var` is read and written only while `lock` is held (the timer's queue,
/// the transfer queue's observer calls and the caller's `finish` all take it), and the `let`s never change.
final class ProgressLine: @unchecked Sendable {
    private let lock = ConditionLock()
    private var stage = ""
    private var shown = false
    private var finished = false
    private var timer: DispatchSourceTimer?
    private let started = Date()
    private var counts = CallCounts()

    /// Nil unless stderr is a terminal, the user did not ask for quiet, and no CI system is collecting the log.
    static func make(
        quiet: Bool, environment: [String: String] = ProcessInfo.processInfo.environment,
        delay: TimeInterval = 0.5
    ) -> ProgressLine? {
        guard !quiet, Console.stderrIsTTY, !ProgressPolicy.isCI(environment), environment["TERM"] != "dumb" else {
            return nil
        }
        return ProgressLine(delay: delay)
    }

    init(delay: TimeInterval) {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now() + delay, repeating: 0.1)
        timer.setEventHandler { [weak self] in self?.draw() }
        self.timer = timer
        timer.resume()
    }

    /// What the run is doing before any call is answered (`reading the pushed commits`).
    func update(_ text: String) {
        lock.lock()
        stage = text
        lock.unlock()
    }

    /// Counts calls as the registry queues and answers them.
    var observer: CallObserver {
        CallObserver(
            queued: { [weak self] batch in self?.change { $0.queue(batch) } },
            answered: { [weak self] batch in self?.change { $0.answer(batch) } })
    }

    private func change(_ body: (inout CallCounts) -> Void) {
        lock.lock()
        body(&counts)
        lock.unlock()
    }

    /// Clears the line (if it was drawn) before the result is printed.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return }
        finished = true
        timer?.cancel()
        timer = nil
        if shown { Console.writeErr("\r\u{1B}[K") }
    }

    private func draw() {
        lock.lock()
        defer { lock.unlock() }
        let text = counts.totalBlobs > 0 ? counts.text : stage.isEmpty ? "" : stage + "…"
        guard !finished, !text.isEmpty else { return }
        shown = true
        let elapsed = ProgressPolicy.seconds(Date().timeIntervalSince(started))
        Console.writeErr("\r\u{1B}[Kverify-layers: \(text) · \(elapsed)")
    }

    deinit {
        timer?.cancel()
    }
}

/// Blobs and repositories queued and answered so far: `checked 1,200/20,200 blobs in 9/50 repositories`.
struct CallCounts {
    var totalBlobs = 0
    var doneBlobs = 0
    private var pending: [RepositoryRef: Int] = [:]
    private var seen = Set<RepositoryRef>()

    mutating func queue(_ batch: LayerBatch) {
        totalBlobs += batch.digests.count
        seen.insert(batch.repository)
        pending[batch.repository, default: 0] += 1
    }

    mutating func answer(_ batch: LayerBatch) {
        doneBlobs += batch.digests.count
        pending[batch.repository, default: 1] -= 1
    }

    var repositoriesDone: Int { seen.filter { (pending[$0] ?? 0) <= 0 }.count }

    var text: String {
        "checked \(ProgressPolicy.grouped(doneBlobs))/\(ProgressPolicy.grouped(totalBlobs)) blobs in "
            + "\(ProgressPolicy.grouped(repositoriesDone))/\(ProgressPolicy.grouped(seen.count)) repositories"
    }
}

/// When progress may be drawn, and how numbers look in it.
enum ProgressPolicy {
    /// CI systems capture stderr into logs even when they give it a pseudo-terminal: never draw there.
    static func isCI(_ environment: [String: String]) -> Bool {
        ["CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "JENKINS_URL", "TF_BUILD", "CIRCLECI", "TRAVIS"].contains {
            guard let value = environment[$0] else { return false }
            return !value.isEmpty && value.lowercased() != "false" && value != "0"
        }
    }

    /// `20200` → `20,200`.
    static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var out = ""
        for (position, digit) in digits.enumerated() {
            if position > 0 && (digits.count - position) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return out
    }

    /// `0.4s`: one decimal without `String(format:)`.
    static func seconds(_ value: Double) -> String {
        let tenths = Int((max(0, value) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)s"
    }
}
