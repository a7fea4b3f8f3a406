import Foundation
import PrecisCore

/// A recorded line profile as CSV: a header `position_um,reflectance`, then one reading per
/// line; an optional comment line `# full_scale=65535` sets the full scale.
/// Lines may end with LF or CRLF.
public enum LineProfileFile {
    /// The largest profile file, in bytes (a 65 mm strip read every µm is about 800 KiB).
    public static let maxFileBytes = 4 << 20
    /// The longest line, in characters.
    public static let maxLineLength = 256
    // Readings need no limit of their own: positions are whole µm from 0 to 65535, strictly
    // increasing, so a profile holds at most 65,536 of them.

    /// Reads a profile, with an error naming the line that is wrong.
    public static func read(_ url: URL) throws -> LineProfile {
        let text = try BoundedFile.text(url, limit: maxFileBytes, what: "profile \(url.lastPathComponent)")
        return try parse(text, source: url.lastPathComponent)
    }

    /// Parses a profile's text; `source` names it in errors.
    public static func parse(_ text: String, source: String) throws -> LineProfile {
        var fullScale: UInt16 = 0xFFFF
        var positions: [Int] = [], values: [UInt16] = []
        // Split on the bytes: in Swift "\r\n" is one Character, so splitting the String on "\n"
        // would leave a CRLF file as one line.
        for (index, raw) in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard raw.count <= maxLineLength else {
                throw PrecisError(.input, "profile \(source) line \(index + 1) is \(raw.count) characters; Precis reads at most \(maxLineLength)")
            }
            let line = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("position") { continue }
            if line.hasPrefix("#") {
                if let v = line.split(separator: "=").last.flatMap({ UInt16($0.trimmingCharacters(in: .whitespaces)) }),
                   line.contains("full_scale") { fullScale = v }
                continue
            }
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2, let p = Int(fields[0]), let v = UInt16(fields[1]), p >= 0, p <= 65535,
                  positions.last.map({ p > $0 }) ?? true else {
                throw PrecisError(.input, "profile \(source) line \(index + 1): expected increasing "
                                  + "position_um,reflectance (whole numbers)")
            }
            positions.append(p)
            values.append(v)
        }
        guard positions.count >= 2 else { throw PrecisError(.input, "profile \(source) has no readings") }
        return LineProfile(positionsUM: positions, reflectance: values, fullScale: fullScale)
    }

    /// Writes a profile in the same form.
    public static func write(_ profile: LineProfile, to url: URL) throws {
        try text(profile).write(to: url, atomically: true, encoding: .utf8)
    }

    /// A profile in the same form, as text.
    public static func text(_ profile: LineProfile) -> String {
        var text = "# full_scale=\(profile.fullScale)\nposition_um,reflectance\n"
        for (p, v) in zip(profile.positionsUM, profile.reflectance) { text += "\(p),\(v)\n" }
        return text
    }
}
