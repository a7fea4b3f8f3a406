import Foundation
import PrecisCore

extension Kiosk {
    /// The systemd unit (`Sources/PrecisKiosk/systemd/precis-kiosk.service`) with ExecStart
    /// pointing at `executable` and `arguments` (e.g. `--port 8080 --db /var/lib/precis/precis.sqlite`).
    public static func systemdUnit(executable: String, arguments: [String]) throws -> String {
        guard let template = KioskResources.unitTemplate() else {
            throw PrecisError(.other, "the systemd unit is missing from this installation",
                              hint: "copy Sources/PrecisKiosk/systemd/precis-kiosk.service by hand")
        }
        let args = arguments.map { $0.contains(" ") ? "\"\($0)\"" : $0 }.joined(separator: " ")
        return template.replacingOccurrences(of: "@PRECIS@", with: executable)
            .replacingOccurrences(of: "@ARGS@", with: args)
    }

    /// Writes the unit to `directory/precis-kiosk.service` and returns its path.
    public static func installUnit(into directory: String, executable: String, arguments: [String]) throws -> String {
        let text = try systemdUnit(executable: executable, arguments: arguments)
        let url = URL(fileURLWithPath: directory).appendingPathComponent("precis-kiosk.service")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw PrecisError(.input, "cannot write \(url.path): \(error.localizedDescription)",
                              hint: "run as root for /etc/systemd/system, or give --prefix ~/.config/systemd/user")
        }
        return url.path
    }
}
