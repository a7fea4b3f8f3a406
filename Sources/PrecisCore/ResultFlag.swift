/// What a result says beyond its number. The same vocabulary is stored, printed,
/// sent in FHIR interpretations and shown on the kiosk.
public enum ResultFlag: String, Sendable, Codable, CaseIterable, Comparable {
    /// No control line: the strip did not run; the result is INVALID, never a number.
    case noControlLine = "NO_CONTROL_LINE"
    /// Below the limit of detection: reported as `< LoD`.
    case belowLimitOfDetection = "BELOW_LOD"
    /// Detected but below the measuring range: the number is shown, not quantitative.
    case belowMeasuringRange = "BELOW_RANGE"
    /// Above the measuring range: reported as `> upper limit`; dilute and rerun.
    case aboveMeasuringRange = "ABOVE_RANGE"
    /// Above the reference interval.
    case high = "HIGH"
    /// Below the reference interval.
    case low = "LOW"
    /// A control of the plate (standard curve, no-template or positive control) failed: no
    /// result of the plate is released.
    case plateControlFailed = "PLATE_CONTROL_FAILED"
    /// The target was not detected and the sample's internal control failed too.
    case internalControlFailed = "IC_FAILED"
    /// The sample's replicate wells disagree, or their Cq spread is too wide.
    case replicateSpread = "REPLICATE_SPREAD"
    /// A sequencing run lost stream packets or sample frames before the host: reads may be cut.
    case dataLoss = "DATA_LOSS"
    /// The host's stream ring had no room for packets: samples were dropped on the box.
    case ringOverflow = "RING_OVERFLOW"
    /// Stream packets arrived corrupt and were discarded.
    case corruptPackets = "CORRUPT_PACKETS"
    /// Few channels held a strand while they had a pore: a library or flow-cell problem.
    case lowOccupancy = "LOW_OCCUPANCY"
    /// A spectrometer's detector saturated at a wavelength the result is read at: no number.
    case saturated = "SATURATED"
    /// Too little light came through the blank (reference) at a wavelength read: no number.
    case referenceUnusable = "REFERENCE_UNUSABLE"
    /// An absorbance read is above the assay's linear limit (stray light): no number, never extrapolated.
    case aboveLinearLimit = "ABOVE_LINEAR_LIMIT"

    /// Orders flags by their declaration, so lists print the same way every time.
    public static func < (lhs: ResultFlag, rhs: ResultFlag) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// One line for people.
    public var explanation: String {
        switch self {
        case .noControlLine: "no control line: the strip is invalid, repeat with a new cartridge"
        case .belowLimitOfDetection: "below the limit of detection"
        case .belowMeasuringRange: "below the measuring range: not quantitative"
        case .aboveMeasuringRange: "above the measuring range: dilute the sample and repeat"
        case .high: "above the reference interval"
        case .low: "below the reference interval"
        case .plateControlFailed: "a control of the plate failed: no result of the plate is released, run the plate again"
        case .internalControlFailed: "the internal control failed: extract the sample again"
        case .replicateSpread: "the replicates disagree: repeat the sample"
        case .dataLoss: "stream packets were lost before the host: some reads are cut where the signal is missing"
        case .ringOverflow: "the box could not keep up with the sequencer: samples were dropped"
        case .corruptPackets: "corrupt stream packets were discarded: check the USB cable"
        case .lowOccupancy: "pore occupancy was low: check the library's concentration and the flow cell"
        case .saturated: "the detector saturated: check the lamp and the integration time, then repeat"
        case .referenceUnusable: "the blank let too little light through: check the light path and read the blank again"
        case .aboveLinearLimit: "the absorbance is above the photometer's linear range: dilute the sample and repeat"
        }
    }
}

/// A reported concentration: a number, or a bound with a comparator (`< 2.0`, `> 200`).
public struct Concentration: Sendable, Codable, Equatable {
    /// The number reported (the bound itself when `comparator` is set).
    public var value: Double
    /// `<` or `>` when the true value lies beyond `value`; nil for a plain number.
    public var comparator: String?
    /// The UCUM unit.
    public var unit: String

    /// Makes a concentration.
    public init(value: Double, comparator: String? = nil, unit: String) {
        self.value = value
        self.comparator = comparator
        self.unit = unit
    }
}

/// Where a run stands. The store keeps the raw value (`runs.status`), the API and `--json` print it.
public enum RunStatus: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Begun and not yet ended (or its process died: recovered as ABORTED on the next start).
    case running = "RUNNING"
    /// Ended with at least one valid result.
    case completed = "COMPLETED"
    /// Ended with no valid result (no control line, a failed plate control).
    case invalid = "INVALID"
    /// Stopped before its outcome: an unplugged instrument, a fault, a kill; its raw data so far kept.
    case aborted = "ABORTED"
    /// Its name as stored and printed.
    public var description: String { rawValue }
}

/// What a stored result is. A result is never changed: a correction or a void is a new
/// record that supersedes it.
public enum ResultStatus: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// A released value.
    case final = "FINAL"
    /// No value could be given (the reason says why); sent as cancelled, never as a value.
    case invalid = "INVALID"
    /// A value that replaces an earlier record of the same sample.
    case corrected = "CORRECTED"
    /// The earlier record is withdrawn by a supervisor, with a reason.
    case void = "VOID"
    /// Its name as stored and printed.
    public var description: String { rawValue }
}

/// Where one delivery of one result to one destination stands (`outbox.state`).
public enum OutboxState: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case pending
    case inFlight = "in_flight"
    case delivered
    case failed
    /// Its name as stored and printed.
    public var description: String { rawValue }
}
