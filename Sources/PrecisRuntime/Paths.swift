import Foundation
import PrecisCore

/// Where Precis keeps its files unless told otherwise.
public enum Paths {
    /// The store: `$PRECIS_DB`, else `$XDG_DATA_HOME/precis/precis.sqlite`, else
    /// `~/.local/share/precis/precis.sqlite`.
    public static func defaultDatabase(_ env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = env["PRECIS_DB"], !explicit.isEmpty { return explicit }
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

/// Checks the ids people type: sample and patient ids are pseudonymous codes, never names.
public enum Identifiers {
    /// Accepts `S-0001`, `P-7F3A`, `LAB.2026.17`: 1–64 characters of letters, digits and `._:-`,
    /// starting with a letter or digit. A space (as in a name) or a date (as in a birth date) is
    /// refused — and the refused value is never repeated in the message, so that a name typed
    /// by mistake does not reach a log or a screen through Precis.
    public static func validate(_ value: String, as what: String) throws -> String {
        let allowed = value.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._:-".unicodeScalars.contains($0)
        }
        let problem: String?
        if value.isEmpty { problem = "it is empty" }
        else if value.count > 64 { problem = "it is longer than 64 characters" }
        else if value.contains(" ") || value.contains(",") { problem = "it has spaces or commas, as a name would" }
        else if !allowed || value.first.map({ $0.isLetter || $0.isNumber }) != true { problem = "it has characters other than letters, digits and . _ : -" }
        else if looksLikeADate(value) { problem = "it looks like a date, as a birth date would" }
        else { problem = nil }
        if let problem {
            throw PrecisError(.input, "the \(what) given is not a valid pseudonymous id: \(problem)",
                              hint: "use the lab's code (letters, digits and . _ : -, up to 64), never a name or a birth date")
        }
        return value
    }

    /// `1984-03-12`, `12.03.1984`, `12/03/1984`, `19840312`.
    static func looksLikeADate(_ value: String) -> Bool {
        let patterns = [#"^\d{4}-\d{1,2}-\d{1,2}$"#, #"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$"#, #"^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$"#]
        return patterns.contains { value.range(of: $0, options: .regularExpression) != nil }
    }
}
