import Foundation

/// Where this binary came from: the Debian package (`/usr/bin/precis`, its files under
/// `/usr/share/precis`, its store in `/var/lib/precis`, its configuration in `/etc/precis`), or
/// a build in a source tree. `precis --version` says which version and commit.
public enum Installation {
    /// The package's shared files: Calibration, the kiosk's page, the protocol specs, `VERSION`.
    public static let shareDirectory = URL(fileURLWithPath: "/usr/share/precis")
    /// The package's store folder.
    public static let stateDirectory = URL(fileURLWithPath: "/var/lib/precis")
    /// The package's configuration file (a conffile).
    public static let configurationFile = URL(fileURLWithPath: "/etc/precis/config.json")

    /// The running executable's path, symlinks resolved.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().path
    }

    /// Whether this is the packaged binary: `/usr/bin/precis` with the package's `VERSION` beside it.
    /// Decided once a process: the store's and the configuration's defaults ask on every lookup.
    public static let isPackaged: Bool =
        executable == "/usr/bin/precis" && FileManager.default.fileExists(atPath: shareDirectory.appendingPathComponent("VERSION").path)

    /// The packaged binary shares `/var/lib/precis` between the kiosk (user precis) and the
    /// technicians of group precis: the folder is setgid precis, and what any of them creates
    /// there (the store, its -wal and -shm, reads folders) must be writable by the group, as
    /// the kiosk's unit has it (UMask=0007). A build in a source tree keeps the user's umask.
    /// SQLite creates a store 0644 less the umask and gives its -wal and -shm the store's own
    /// mode, so the package's store is created here first, empty (SQLite's empty database), 0660.
    public static func prepareProcess(_ env: [String: String] = ProcessInfo.processInfo.environment) {
        guard isPackaged else { return }
        umask(0o007)
        guard env["PRECIS_DB"].map(\.isEmpty) ?? true else { return }
        let store = stateDirectory.appendingPathComponent("precis.sqlite").path
        let fd = open(store, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o660)   // fails, harmlessly, once it exists
        if fd >= 0 {
            fchmod(fd, 0o660)
            close(fd)
        }
    }

    /// `0.15.0 (commit 1a2b3c4)`: the package's `VERSION` file (written by `make deb`: the version
    /// and the commit it was built from), or for a build in a source tree `packaging/VERSION` and
    /// the checkout's commit, read from `.git` (no git needed), marked as a development build.
    public static let version: String = {
        if isPackaged, let text = try? String(contentsOf: shareDirectory.appendingPathComponent("VERSION"), encoding: .utf8) {
            let parts = text.split(whereSeparator: \.isWhitespace).map(String.init)
            if let number = parts.first { return "\(number)" + (parts.count > 1 ? " (commit \(parts[1]))" : "") }
        }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let number = (try? String(contentsOf: source.appendingPathComponent("packaging/VERSION"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
        return "\(number) (development build, commit \(commit(of: source) ?? "unknown"))"
    }()

    /// The commit `HEAD` names in the checkout at `root` (its first 12 hex digits), or nil.
    static func commit(of root: URL) -> String? {
        var git = root.appendingPathComponent(".git")
        var common = git
        if let pointer = try? String(contentsOf: git, encoding: .utf8), pointer.hasPrefix("gitdir:") {   // a worktree
            git = URL(fileURLWithPath: pointer.dropFirst(7).trimmingCharacters(in: .whitespacesAndNewlines), relativeTo: root)
            let shared = (try? String(contentsOf: git.appendingPathComponent("commondir"), encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            common = shared.map { URL(fileURLWithPath: $0, relativeTo: git) } ?? git
        }
        guard let head = (try? String(contentsOf: git.appendingPathComponent("HEAD"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        guard head.hasPrefix("ref: ") else { return String(head.prefix(12)) }
        let ref = String(head.dropFirst(5))
        for dir in [git, common] {
            if let hash = try? String(contentsOf: dir.appendingPathComponent(ref), encoding: .utf8) {
                return String(hash.trimmingCharacters(in: .whitespacesAndNewlines).prefix(12))
            }
        }
        let packed = (try? String(contentsOf: common.appendingPathComponent("packed-refs"), encoding: .utf8)) ?? ""
        return packed.split(separator: "\n").first { $0.hasSuffix(" " + ref) }.map { String($0.prefix(12)) }
    }
}
