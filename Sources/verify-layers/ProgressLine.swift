import Dispatch
import ImageModel
import Verification
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A one-line status on stderr that appears only when a run takes more than a moment and stderr is a terminal:
/// a quick push stays silent, and hook logs and CI never see carriage returns.
final class ProgressLine: @unchecked Sendable {
    private let lock = ConditionLock()
    private var stage = ""
    private var shown = false
    private var finished = false
    private var timer: DispatchSourceTimer?
    private let started = Date()

    /// Nil unless stderr is a terminal and the user did not ask for quiet.
    static func make(quiet: Bool, delay: TimeInterval = 0.5) -> ProgressLine? {
        guard !quiet, Console.stderrIsTTY else { return nil }
        return ProgressLine(delay: delay)
    }

    init(delay: TimeInterval) {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now() + delay, repeating: 0.25)
        timer.setEventHandler { [weak self] in self?.draw() }
        self.timer = timer
        timer.resume()
    }

    func update(_ text: String) {
        lock.lock()
        stage = text
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
        guard !finished, !stage.isEmpty else { return }
        shown = true
        let elapsed = Date().timeIntervalSince(started).formatted(places: 1) + "s"
        Console.writeErr("\r\u{1B}[Kverify-layers: \(stage)… \(elapsed)")
    }

    deinit {
        timer?.cancel()
    }
}
