import Foundation
import PrecisRuntime

/// `precis upload --now`'s progress bar on a terminal: each file going to the S3 inbox, the
/// share the server holds, the bytes sent and the rate, redrawn on one stderr line four times a
/// second from what the store records (so it shows what the uploader really did). Report lines
/// go through `say`, which clears the bar first, so that a line never lands on the bar's tail.
final class UploadProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private var drawn = false
    private var stopped = false
    private var task: Task<Void, Never>?

    /// Starts redrawing from what `runtime`'s store records; `stop()` ends it.
    static func start(_ runtime: Runtime) -> UploadProgressBar {
        let bar = UploadProgressBar()
        bar.task = Task.detached { [bar] in
            while !Task.isCancelled {
                if let uploads = try? runtime.uploadProgress().filter({ $0.value.phase != "done" }), !uploads.isEmpty {
                    bar.draw(uploads.sorted { $0.key < $1.key }.map { "outbox \($0.key) \(line($0.value))" }.joined(separator: "  "))
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        return bar
    }

    /// One report line on stderr, above the bar (which the next tick redraws).
    func say(_ text: String) {
        lock.withLock {
            Terminal.errorText((drawn ? "\r\u{1B}[2K" : "") + text + "\n")
            drawn = false
        }
    }

    /// Stops redrawing and clears the line; nothing is drawn after it returns.
    func stop() {
        task?.cancel()
        lock.withLock {
            if drawn { Terminal.errorText("\r\u{1B}[2K") }
            drawn = false
            stopped = true
        }
    }

    private func draw(_ text: String) {
        lock.withLock {
            guard !stopped else { return }
            Terminal.errorText("\r\u{1B}[2K" + text)
            drawn = true
        }
    }

    /// `[#########...........]  45%  230.0/512.0 MiB sent 240.1 MiB, 12.3 MiB/s`.
    static func line(_ p: UploadProgress) -> String {
        guard let total = p.totalBytes, total > 0 else { return "encrypting…" }
        let share = min(1, Double(p.bytesHeld) / Double(total))
        let filled = Int(share * 20)
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 20 - filled) + "] "
            + String(format: "%3.0f%%  ", share * 100) + sent(p)
    }

    /// `230.0/512.0 MiB, sent 240.1 MiB at 12.3 MiB/s`, for the queue's SENT column too.
    static func sent(_ p: UploadProgress) -> String {
        func mib(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1_048_576) }
        let rate = p.bytesPerSecond.map { String(format: " at %.1f MiB/s", $0 / 1_048_576) } ?? ""
        let total = p.totalBytes.map { "\(mib(p.bytesHeld))/\(mib($0)) MiB" } ?? p.phase
        return "\(total), sent \(mib(p.bytesSent)) MiB\(rate)" + (p.retries > 0 ? ", \(p.retries) retried" : "")
    }
}
