import Foundation
import PrecisCore

/// A recorded line profile as CSV: a header `position_um,reflectance`, then one reading per
/// line; an optional comment line `# full_scale=65535` sets the full scale.
public enum LineProfileFile {
    /// Reads a profile, with an error naming the line that is wrong.
    public static func read(_ url: URL) throws -> LineProfile {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw PrecisError(.input, "cannot read profile \(url.path)")
        }
        var fullScale: UInt16 = 0xFFFF
        var positions: [Int] = [], values: [UInt16] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("position") { continue }
            if line.hasPrefix("#") {
                if let v = line.split(separator: "=").last.flatMap({ UInt16($0.trimmingCharacters(in: .whitespaces)) }),
                   line.contains("full_scale") { fullScale = v }
                continue
            }
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2, let p = Int(fields[0]), let v = UInt16(fields[1]), p >= 0, p <= 65535,
                  positions.last.map({ p > $0 }) ?? true else {
                throw PrecisError(.input, "profile \(url.lastPathComponent) line \(index + 1): expected increasing "
                                  + "position_um,reflectance (whole numbers)")
            }
            positions.append(p)
            values.append(v)
        }
        guard positions.count >= 2 else { throw PrecisError(.input, "profile \(url.lastPathComponent) has no readings") }
        return LineProfile(positionsUM: positions, reflectance: values, fullScale: fullScale)
    }

    /// Writes a profile in the same form.
    public static func write(_ profile: LineProfile, to url: URL) throws {
        var text = "# full_scale=\(profile.fullScale)\nposition_um,reflectance\n"
        for (p, v) in zip(profile.positionsUM, profile.reflectance) { text += "\(p),\(v)\n" }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}
