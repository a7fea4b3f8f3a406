import Foundation

/// The process that owns a RUNNING run, as stored in its `owner` column:
/// `pid@host;boot=BOOT_ID;start=TICKS`. A pid alone is not enough: after a SIGKILL the kernel
/// hands the pid to another process sooner or later (and a reboot starts counting again), and a
/// run whose pid had been reused stayed RUNNING for good. The boot id
/// (/proc/sys/kernel/random/boot_id) and the process's start time (field 22 of /proc/PID/stat,
/// clock ticks since boot) together name one process on one boot. An owner written by an older
/// Precis (`pid@host`) is judged by its pid alone, as before.
struct RunOwner: Equatable {
    /// The process id.
    var pid: Int32
    /// The host it runs on.
    var host: String
    /// The kernel's boot id when it was started, if known.
    var bootID: String?
    /// Its start time in clock ticks after boot, if known.
    var startTime: UInt64?

    /// This process.
    static func current() -> RunOwner {
        let pid = getpid()
        return RunOwner(pid: pid, host: ProcessInfo.processInfo.hostName, bootID: currentBootID(), startTime: startTime(of: pid))
    }

    /// Parses what `text` writes (or the older `pid@host`); nil for anything else.
    init?(_ text: String) {
        let fields = text.split(separator: ";").map(String.init)
        let head = fields.first?.split(separator: "@", maxSplits: 1) ?? []
        guard head.count == 2, let pid = Int32(head[0]) else { return nil }
        self.init(pid: pid, host: String(head[1]))
        for field in fields.dropFirst() {
            if field.hasPrefix("boot=") { bootID = String(field.dropFirst(5)) }
            if field.hasPrefix("start=") { startTime = UInt64(field.dropFirst(6)) }
        }
    }

    /// Makes an owner from its parts.
    init(pid: Int32, host: String, bootID: String? = nil, startTime: UInt64? = nil) {
        (self.pid, self.host, self.bootID, self.startTime) = (pid, host, bootID, startTime)
    }

    /// `pid@host;boot=…;start=…`, the parts known.
    var text: String {
        "\(pid)@\(host)" + (bootID.map { ";boot=\($0)" } ?? "") + (startTime.map { ";start=\($0)" } ?? "")
    }

    /// Whether this process still runs. An owner on another host is assumed alive (its own
    /// Precis closes its runs); one from another boot, or whose pid now belongs to a process
    /// started at another time, is gone.
    func isAlive() -> Bool {
        guard host == ProcessInfo.processInfo.hostName else { return true }
        if let bootID, let now = Self.currentBootID(), bootID != now { return false }
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        if let startTime, let now = Self.startTime(of: pid), startTime != now { return false }
        return true
    }

    /// The kernel's boot id, or nil where there is none (not Linux).
    static func currentBootID() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else { return nil }
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? nil : id
    }

    /// Field 22 of /proc/PID/stat (starttime), or nil. The command name (field 2) is in
    /// parentheses and may hold spaces and parentheses itself, so fields are counted after the last `)`.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil   // fields[0] is field 3
    }
}
