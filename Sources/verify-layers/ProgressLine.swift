import Dispatch
import Foundation

/// A one-line status on stderr that appears only when a run takes more than a moment and stderr is a terminal:
/// a quick push stays silent, and hook logs and CI never see carriage returns.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
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
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    private func draw() {
        lock.lock()
        defer { lock.unlock() }
        guard !finished, !stage.isEmpty else { return }
        shown = true
        let elapsed = String(format: "%.1fs", Date().timeIntervalSince(started))
        FileHandle.standardError.write(Data("\r\u{1B}[Kverify-layers: \(stage)… \(elapsed)".utf8))
    }

    deinit {
        timer?.cancel()
    }
}
