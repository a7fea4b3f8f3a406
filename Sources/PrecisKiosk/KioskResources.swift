import Foundation

/// The page's files and the systemd unit, found beside the binary (SwiftPM's resource
/// bundle `Precis_PrecisKiosk.resources`) or, in a source checkout, beside this file.
/// Unlike `Bundle.module`, a missing bundle is an error to report, not a crash.
enum KioskResources {
    static let bundleName = "Precis_PrecisKiosk.resources"

    static let directory: URL? = {
        var candidates: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent(bundleName))
        }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(bundleName))
        candidates.append(Bundle.main.bundleURL.appendingPathComponent(bundleName))
        candidates.append(URL(fileURLWithPath: "/usr/share/precis"))   // the Debian package's copy
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent())
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("Page/index.html").path) }
    }()

    /// A file of the page, or nil.
    static func page(_ name: String) -> Data? {
        guard !name.contains("/"), let directory else { return nil }
        return try? Data(contentsOf: directory.appendingPathComponent("Page").appendingPathComponent(name))
    }

    /// The systemd unit's template.
    static func unitTemplate() -> String? {
        guard let directory else { return nil }
        return try? String(contentsOf: directory.appendingPathComponent("systemd/precis-kiosk.service"), encoding: .utf8)
    }
}
