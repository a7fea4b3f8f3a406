import Crypto
import Foundation
import PrecisCore
import PrecisSignal

/// A lot file as loaded: the parsed lot, the exact text, and its SHA-256.
public struct LoadedLot: Sendable {
    /// The lot.
    public var lot: CalibrationLot
    /// The file's text as read.
    public var content: String
    /// SHA-256 of the file's bytes, hex.
    public var sha256: String
    /// Where it was read from.
    public var file: URL
}

/// Reads assay definitions and lot calibrations from a `Calibration/` folder, refusing any
/// file that is malformed, inconsistent or expired with a message naming file and field.
public struct CalibrationCatalog: Sendable {
    /// The folder holding `assays/` and `lots/`.
    public let directory: URL

    /// A catalog over `directory`.
    public init(directory: URL) { self.directory = directory }

    /// The ids of every assay defined.
    public func assayIDs() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("assays").path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// The assay `id`, validated.
    public func assay(_ id: String) throws -> AssayDefinition {
        let url = directory.appendingPathComponent("assays/\(id).json")
        guard !id.contains("/"), FileManager.default.fileExists(atPath: url.path) else {
            let known = assayIDs().joined(separator: ", ")
            throw PrecisError(.input, "unknown assay '\(id)'", hint: "known assays: \(known.isEmpty ? "none" : known)")
        }
        let (assay, _, _) = try decode(AssayDefinition.self, at: url)
        try AssayValidation.check(assay, file: relative(url))
        guard assay.id == id else {
            throw PrecisError(.calibration, "\(relative(url)): id is '\(assay.id)', the file name says '\(id)'")
        }
        return assay
    }

    /// The lot `lot` for `assay` at its newest version (`lots/<LOT>.json` is version 1, a
    /// recalibration writes `lots/<LOT>.v<N>.json`), refused when missing, malformed, for
    /// another assay, or expired on `today`.
    public func lot(_ lot: String, for assay: AssayDefinition, today: CalendarDate) throws -> LoadedLot {
        let url = try newestFile(of: lot)
        let (parsed, text, sha) = try decode(CalibrationLot.self, at: url)
        try AssayValidation.check(parsed, for: assay, file: relative(url))
        guard parsed.lot == lot else {
            throw PrecisError(.calibration, "\(relative(url)): lot is '\(parsed.lot)', the file name says '\(lot)'")
        }
        let named = Self.version(ofFile: url.lastPathComponent, lot: lot) ?? 1
        guard parsed.version == named else {
            throw PrecisError(.calibration, "\(relative(url)): version is \(parsed.version), the file name says \(named)")
        }
        guard today <= parsed.expiry else {
            throw PrecisError(.calibration, "lot \(lot) expired on \(parsed.expiry)",
                              hint: "use a cartridge from a lot that is in date")
        }
        return LoadedLot(lot: parsed, content: text, sha256: sha, file: url)
    }

    /// The lots of `assay` that load and are in date on `today`, sorted.
    public func lots(for assay: AssayDefinition, today: CalendarDate) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("lots").path)) ?? []
        let lots = Set(names.filter { $0.hasSuffix(".json") }.map { name in
            String(name.dropLast(5).split(separator: ".v", maxSplits: 1).first ?? "")
        })
        return lots.filter { !$0.isEmpty && (try? lot($0, for: assay, today: today)) != nil }.sorted()
    }

    /// The file of the newest version of `lot`.
    func newestFile(of lot: String) throws -> URL {
        let folder = directory.appendingPathComponent("lots")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let versions = names.compactMap { name in Self.version(ofFile: name, lot: lot).map { ($0, name) } }
        guard !lot.contains("/"), let newest = versions.max(by: { $0.0 < $1.0 }) else {
            throw PrecisError(.calibration, "no calibration for lot \(lot) (\(directory.lastPathComponent)/lots/\(lot).json is missing)",
                              hint: "install the lot file from the kit's documentation")
        }
        return folder.appendingPathComponent(newest.1)
    }

    /// 1 for `<LOT>.json`, N for `<LOT>.vN.json`, nil for another file.
    static func version(ofFile name: String, lot: String) -> Int? {
        if name == "\(lot).json" { return 1 }
        guard name.hasPrefix("\(lot).v"), name.hasSuffix(".json") else { return nil }
        return Int(name.dropFirst(lot.count + 2).dropLast(5))
    }

    /// The QC material lot `lot`, refused when missing, malformed, for another assay, or expired on `today`.
    public func qcMaterial(_ lot: String, for assay: AssayDefinition, today: CalendarDate) throws -> QCMaterial {
        let url = directory.appendingPathComponent("qc/\(lot).json")
        guard !lot.contains("/"), FileManager.default.fileExists(atPath: url.path) else {
            throw PrecisError(.calibration, "no QC material lot \(lot) (\(relative(url)) is missing)",
                              hint: "install the control's target file")
        }
        let (material, _, _) = try decode(QCMaterial.self, at: url)
        func fail(_ what: String) -> PrecisError { PrecisError(.calibration, "\(relative(url)): \(what)") }
        guard material.schema == "precis.qc/1" else { throw fail("schema is '\(material.schema)', expected precis.qc/1") }
        guard material.lot == lot else { throw fail("lot is '\(material.lot)', the file name says '\(lot)'") }
        guard material.assay == assay.id else { throw fail("the control is for assay '\(material.assay)', not '\(assay.id)'") }
        guard !material.levels.isEmpty, material.levels.allSatisfy({ $0.sd > 0 && $0.mean.isFinite }),
              Set(material.levels.map(\.level)).count == material.levels.count else {
            throw fail("levels must be distinct, each with a finite mean and a positive SD")
        }
        guard today <= material.expiry else {
            throw PrecisError(.calibration, "QC material \(lot) expired on \(material.expiry)", hint: "open a control lot in date")
        }
        return material
    }

    /// The largest assay, lot or QC file, in bytes (they are a few KiB). A larger one is a
    /// malformed calibration (exit 3, as every other fault of these files), refused before it is read.
    public static let maxFileBytes = 1 << 20

    private func decode<T: Decodable>(_ type: T.Type, at url: URL) throws -> (T, String, String) {
        let data = try BoundedFile.read(url, limit: Self.maxFileBytes, what: relative(url), kind: .calibration)
        try JSONLimits.check(data, source: relative(url), kind: .calibration)
        do {
            let value = try JSONDecoder().decode(T.self, from: data)
            let sha = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            return (value, String(decoding: data, as: UTF8.self), sha)
        } catch let error as DecodingError {
            throw PrecisError(.calibration, "\(relative(url)) is malformed: \(error.plainDescription)")
        } catch {
            throw PrecisError(.calibration, "\(relative(url)) is malformed: \(error)")
        }
    }

    private func relative(_ url: URL) -> String {
        "\(directory.lastPathComponent)/\(url.deletingLastPathComponent().lastPathComponent)/\(url.lastPathComponent)"
    }

}

extension Runtime {
    /// The lots of `assay` that can be run today (the kiosk offers them).
    public func lots(for assay: AssayDefinition) -> [String] {
        catalog.lots(for: assay, today: Self.calendarDate(clock()))
    }
}
