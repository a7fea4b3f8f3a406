import Foundation
import PrecisCore

/// Where Precis keeps its files unless told otherwise.
public enum Paths {
    /// The store: `$PRECIS_DB`, else `$XDG_DATA_HOME/precis/precis.sqlite`, else
    /// `~/.local/share/precis/precis.sqlite`.
    /// The packaged binary's default is the package's store, `/var/lib/precis/precis.sqlite`, the
    /// one its kiosk keeps (for a member of the `precis` group).
    public static func defaultDatabase(_ env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = env["PRECIS_DB"], !explicit.isEmpty { return explicit }
        if Installation.isPackaged { return Installation.stateDirectory.appendingPathComponent("precis.sqlite").path }
        if let xdg = env["XDG_DATA_HOME"], !xdg.isEmpty { return "\(xdg)/precis/precis.sqlite" }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return "\(home)/.local/share/precis/precis.sqlite"
    }

    /// The calibration folder: `explicit`, else `$PRECIS_CALIBRATION`, else `./Calibration`,
    /// else a `Calibration` folder beside or above the executable (a build tree or
    /// `/usr/share/precis`), else the source tree this binary was built from.
    public static func calibrationDirectory(explicit: String?,
                                            env: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let path = explicit ?? env["PRECIS_CALIBRATION"].flatMap({ $0.isEmpty ? nil : $0 }) {
            let url = URL(fileURLWithPath: path)
            guard isCalibrationFolder(url) else {
                throw PrecisError(.calibration, "\(path) is not a calibration folder (no assays/ inside)",
                                  hint: "point --calibration-dir at the folder holding assays/ and lots/")
            }
            return url
        }
        for candidate in candidates() where isCalibrationFolder(candidate) { return candidate }
        throw PrecisError(.calibration, "no calibration folder found",
                          hint: "give --calibration-dir or set PRECIS_CALIBRATION")
    }

    private static func candidates() -> [URL] {
        var urls = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Calibration")]
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            urls.append(dir.appendingPathComponent("Calibration"))
            urls.append(dir.appendingPathComponent("share/precis/Calibration"))
            dir.deleteLastPathComponent()
        }
        urls.append(URL(fileURLWithPath: "/usr/share/precis/Calibration"))
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        urls.append(source.appendingPathComponent("Calibration"))
        return urls
    }

    private static func isCalibrationFolder(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("assays").path, isDirectory: &isDir)
            && isDir.boolValue
    }
}
