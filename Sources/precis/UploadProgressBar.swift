import Foundation
import PrecisRuntime

/// `precis upload --now`'s progress bar on a terminal: each file going to the S3 inbox, the
/// share the server holds, the bytes sent and the rate, redrawn on one stderr line four times a
/// second from what the store records (so it shows what the uploader really did).
enum UploadProgressBar {
    /// Starts redrawing; cancel the task to stop (the line is then cleared).
    static func start(_ runtime: Runtime) -> Task<Void, Never> {
        Task.detached {
            var drawn = false
            while !Task.isCancelled {
                if let uploads = try? runtime.uploadProgress().filter({ $0.value.phase != "done" }), !uploads.isEmpty {
                    let line = uploads.sorted { $0.key < $1.key }.map { "outbox \($0.key) \(bar($0.value))" }.joined(separator: "  ")
                    FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
                    drawn = true
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
            if drawn { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        }
    }

    /// `[#########...........]  45%  230.0/512.0 MiB sent 240.1 MiB, 12.3 MiB/s`.
    static func bar(_ p: UploadProgress) -> String {
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
