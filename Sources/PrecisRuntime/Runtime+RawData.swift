import Foundation
import PrecisCore
import PrecisFormats
import PrecisReplay
import PrecisStore

/// A run's raw data as it was stored, ready for a file: a strip's profile as CSV
/// (`position_um,reflectance`, what `precis analyze lfa` reads), a plate's RDML (what
/// `precis analyze qpcr` and LinRegPCR read), a voltammogram's CSV.
public struct RawDataExport: Sendable {
    /// The raw data's kind: `lfr-profile`, `qpcr-rdml`, `voltammogram`.
    public var kind: String
    public var mediaType: String
    public var bytes: Data
    /// The SHA-256 the store keeps for these bytes (nil for a strip's profile, kept as readings).
    public var sha256: String?
    /// False when the run stopped before all of it arrived.
    public var complete: Bool
}

extension Runtime {
    /// Run `runID`'s raw data, checked against the SHA-256 it was stored with: a mismatch is an
    /// error, never a file. A sequencing run's reads are kept in a file of their own, not in the
    /// store; the error names it.
    public func rawDataExport(runID: Int64) throws -> RawDataExport {
        guard let run = try store.run(runID) else {
            throw PrecisError(.notFound, "no run \(runID) in this store", hint: "`precis results` lists the runs")
        }
        if let stored = try store.rawData(forRun: runID).first {
            guard let bytes = try store.verifiedRawDataContent(stored) else {
                throw PrecisError(.input, "run \(runID)'s \(stored.kind.rawValue) are kept in a file, not in the store: "
                                  + "\(stored.path ?? "(no path)"), \(stored.size) bytes, SHA-256 \(stored.sha256)")
            }
            return RawDataExport(kind: stored.kind.rawValue, mediaType: stored.mediaType, bytes: bytes, sha256: stored.sha256,
                                 complete: stored.complete)
        }
        if let trace = try store.rawTrace(forRun: runID) {
            return RawDataExport(kind: trace.kind, mediaType: "text/csv", bytes: Data(LineProfileFile.text(trace.profile).utf8),
                                 sha256: nil, complete: trace.complete)
        }
        throw PrecisError(.notFound, "run \(runID) (\(run.status.rawValue)) has no raw data",
                          hint: "a run that stopped before the instrument sent anything keeps none")
    }

    /// Writes run `runID`'s raw data to `url` (whole or not at all); never over the store's own files.
    public func exportRawData(runID: Int64, to url: URL) throws -> RawDataExport {
        try files.admit(url, as: "--out")
        let export = try rawDataExport(runID: runID)
        try DurableFile.write(export.bytes, to: url)
        return export
    }
}
