import Foundation

/// Writing to the terminal: stdout for results, stderr for progress and errors.
enum Terminal {
    /// Whether stderr is a terminal (progress bars are drawn only there).
    static let stderrIsTTY = isatty(STDERR_FILENO) == 1
    /// Whether stdout is a terminal (colour is used only there).
    static let stdoutIsTTY = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil

    /// One line on stderr.
    static func errorLine(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Text on stderr without a newline.
    static func errorText(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// `text` in an ANSI style when stdout is a terminal.
    static func style(_ text: String, _ code: String) -> String {
        stdoutIsTTY ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// Prints a value as one line of key-sorted JSON on stdout, flushed (for streams).
    static func printJSONLine<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
        flush()
    }

    /// Pushes buffered stdout out now (a stream's reader waits for each line).
    static func flush() {
        fflush(nil)   // every output stream: naming stdout is not concurrency-safe in Swift 6
    }

    /// Prints a value as pretty, key-sorted JSON on stdout.
    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// A progress bar on stderr, redrawn in place, at most every 50 ms.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(label: String) { self.label = label }

    /// Shows `done` of `total`.
    func update(done: Int, total: Int) {
        guard Terminal.stderrIsTTY, total > 0 else { return }
        lock.withLock {
            let now = Date()
            guard done == total || now.timeIntervalSince(lastDraw) > 0.05 else { return }
            lastDraw = now
            let width = 30
            let filled = min(width, done * width / total)
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            Terminal.errorText("\r\(label)  \(bar)  \(done * 100 / total)%  \(done)/\(total)")
            drawn = true
        }
    }

    /// Ends the bar's line.
    func finish() {
        lock.withLock {
            if drawn { Terminal.errorText("\n") }
            drawn = false
        }
    }
}
