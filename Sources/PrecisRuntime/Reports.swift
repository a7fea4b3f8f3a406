import Foundation
import PrecisCore
import PrecisStore

/// What a run produced, as the CLI prints it with `--json` and the kiosk API returns it.
public struct RunReport: Sendable, Codable, Equatable {
    /// The run's number in this store.
    public var runId: Int64
    /// The run's globally unique id.
    public var runUid: String
    /// The pseudonymous sample id.
    public var sample: String
    /// The pseudonymous patient id, when given.
    public var patient: String?
    /// The assay id.
    public var assay: String
    /// The analyte's name.
    public var analyte: String?
    /// COMPLETED, INVALID or ABORTED.
    public var status: RunStatus
    /// The result's flags (`HIGH`, `BELOW_LOD`, `NO_CONTROL_LINE`, …).
    public var flags: [String]
    /// The reported concentration, rounded to the assay's decimals; nil when invalid or aborted.
    public var concentration: Concentration?
    /// The concentration as printed: `12.4 mg/L`, `< 2.0 mg/L`.
    public var display: String?
    /// The test/control area ratio the concentration was read from.
    public var tcRatio: Double?
    /// The reference interval as printed.
    public var referenceRange: String?
    /// Each flag explained, for people.
    public var interpretation: [String]
    /// The lot used.
    public var lot: LotSummary?
    /// The instrument used.
    public var instrument: InstrumentSummary
    /// Readings received and expected.
    public var raw: RawSummary
    /// What the link lost and recovered.
    public var link: LinkSummary?
    /// The result's id in the store.
    public var resultId: Int64?
    /// The result's outbox entries.
    public var outbox: [OutboxSummary]
    /// Why the run stopped, for ABORTED.
    public var error: ErrorSummary?
    /// For a QC run: what the Westgard rules decided.
    public var qc: QCReport?
    /// A training run (a simulator or a replayed trace): never a patient's result.
    public var training: Bool = false
    /// What the run is: `strip`, `plate`, `voltammetry`, `sequencing`, `absorbance` (its `RunKind`).
    public var kind: String = "strip"
    /// A plate's controls, judged (qPCR).
    public var plate: PlateVerdict? = nil
    /// One per patient sample, on a run of several (a plate).
    public var results: [SampleResultSummary]? = nil
    /// A sequencing run's yield: reads, estimated bases, N50, occupancy, losses.
    public var sequencing: SequencingOutcome? = nil
    /// An absorbance run's reading: A_corr, the analytical band's absorbance less the baseline band's, AU.
    public var absorbance: Double? = nil
}

/// A result of a run of several samples (a plate has one per patient sample), in a report.
public struct SampleResultSummary: Sendable, Codable, Equatable {
    public var resultId: Int64
    public var sample: String
    public var patient: String?
    /// FINAL or INVALID.
    public var status: ResultStatus
    /// As printed: `4 210 copies/mL`, `< 20 copies/mL`, `Detected`.
    public var display: String?
    public var concentration: Concentration?
    public var coded: CodedValue?
    public var flags: [String]
    public var reason: String?
    public var wells: [String]
    public var meanCq: Double?
    public var cqSD: Double?
    public var outbox: [OutboxSummary]
}

/// A lot in a report.
public struct LotSummary: Sendable, Codable, Equatable {
    public var lot: String
    public var version: Int
    public var expiry: String
    public var sha256: String
}

/// An instrument in a report.
public struct InstrumentSummary: Sendable, Codable, Equatable {
    public var id: String
    public var family: String
    public var serial: String
    public var firmware: String
    public var endpoint: String
}

/// How much raw data a run kept.
public struct RawSummary: Sendable, Codable, Equatable {
    public var readings: Int
    public var expected: Int?
    public var complete: Bool
}

/// Link recovery counters.
public struct LinkSummary: Sendable, Codable, Equatable {
    public var rejectedFrames: Int
    public var sequenceGaps: Int
    public var retries: Int
    public var refilledReadings: Int
    public var rejections: [String]
}

/// An outbox entry in a report.
public struct OutboxSummary: Sendable, Codable, Equatable {
    public var id: Int64
    public var destination: String
    /// pending, in_flight, delivered, failed.
    public var state: OutboxState
    public var attempts: Int
    public var lastError: String?

    init(_ entry: OutboxEntry) {
        id = entry.id
        destination = entry.destination
        state = entry.state
        attempts = entry.attempts
        lastError = entry.lastError
    }
}

/// An error in a report: its kind, message and next step.
public struct ErrorSummary: Sendable, Codable, Equatable {
    public var kind: ErrorKind
    public var message: String
    public var hint: String?
    /// What exactly went wrong, when it is counted (`receive-overflow`).
    public var cause: ErrorCause?

    init(_ error: PrecisError) {
        kind = error.kind
        message = error.message
        hint = error.hint
        cause = error.cause
    }
}

/// Formatting shared by every surface.
public enum Format {
    /// `value` with `decimals` places: `12.4`.
    public static func number(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        let text = String(rounded)
        guard decimals > 0 else { return String(Int(rounded)) }
        let parts = text.split(separator: ".", maxSplits: 1)
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        return "\(parts[0]).\(fraction.padding(toLength: decimals, withPad: "0", startingAt: 0))"
    }

    /// `12.4 mg/L`, `< 2.0 mg/L`.
    public static func concentration(_ c: Concentration, decimals: Int) -> String {
        (c.comparator.map { "\($0) " } ?? "") + number(c.value, decimals: decimals) + " " + c.unit
    }

    /// `12.0 µg/dL`: the concentration with its unit as people read it (`unit.display`); the
    /// unit stored and sent is the UCUM code (`ug/dL`, `{copies}/mL`).
    public static func concentration(_ c: Concentration, decimals: Int, shownIn unit: MeasureUnit) -> String {
        concentration(Concentration(value: c.value, comparator: c.comparator, unit: unit.display), decimals: decimals)
    }

    /// The concentration rounded to `decimals` (what is printed and sent).
    public static func rounded(_ c: Concentration, decimals: Int) -> Concentration {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        var copy = c
        copy.value = (c.value * scale).rounded() / scale
        return copy
    }
}
