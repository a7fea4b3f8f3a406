import Foundation
import GRDB
import PrecisCore

/// What a run is, by the family that ran it: one `runs` table holds them all. A name, not a
/// closed list: a family names its own kind beside its procedure (`extension RunKind { static
/// let … }` in its `Families/<Family>/` folder), and the store takes any (migration v10).
public struct RunKind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { rawValue = name }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    public var description: String { rawValue }

    /// A lateral-flow strip read for one sample.
    public static let strip = RunKind("strip")
    /// A qPCR plate: many samples, standards and controls.
    public static let plate = RunKind("plate")
    /// A potentiostat's voltammetric measurement of one sample.
    public static let voltammetry = RunKind("voltammetry")
    /// A sequencing run.
    public static let sequencing = RunKind("sequencing")
}

/// What raw data a run kept, besides a strip's profile (`raw_traces`): a name, as `RunKind`
/// is, so a family names its own beside its procedure.
public struct RawDataKind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { rawValue = name }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    public var description: String { rawValue }

    /// A plate's amplification and melt curves with the layout and the analysis, as RDML 1.4.
    public static let plateRDML = RawDataKind("qpcr-rdml")
    /// Voltammograms: potential and current per point.
    public static let voltammogram = RawDataKind("voltammogram")
    /// A sequencing run's reads file, kept by path and digest.
    public static let reads = RawDataKind("reads")
}

/// Raw data about to be stored with a run's outcome: the bytes (or a file by path), their
/// media type and a short JSON summary.
public struct NewRawData: Sendable {
    public var kind: RawDataKind
    public var mediaType: String
    /// The bytes, or nil when `path` holds them.
    public var content: Data?
    public var path: String?
    public var size: Int
    /// Hex SHA-256 of the bytes.
    public var sha256: String
    public var complete: Bool
    public var summaryJSON: String
    public init(kind: RawDataKind, mediaType: String, content: Data?, path: String? = nil, size: Int, sha256: String,
                complete: Bool, summaryJSON: String) {
        self.kind = kind
        self.mediaType = mediaType
        self.content = content
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.complete = complete
        self.summaryJSON = summaryJSON
    }

    /// Raw data kept in the store: its size and SHA-256 are those of `bytes`.
    public init(kind: RawDataKind, mediaType: String, bytes: Data, complete: Bool, summaryJSON: String) {
        self.init(kind: kind, mediaType: mediaType, content: bytes, size: bytes.count, sha256: ContentDigest.hex(bytes),
                  complete: complete, summaryJSON: summaryJSON)
    }
}

/// Raw data as stored (without its bytes: `Store.rawDataContent`).
public struct RawDataRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var runID: Int64
    public var kind: RawDataKind
    public var mediaType: String
    public var path: String?
    public var size: Int
    public var sha256: String
    public var complete: Bool
    public var summaryJSON: String
    public var createdAt: String
}

/// A run as it starts: who, what, on which instrument.
public struct NewRun: Sendable {
    /// The pseudonymous sample id.
    public var sampleID: String
    /// The pseudonymous patient id, when given.
    public var patientID: String?
    /// The assay id.
    public var assay: String
    /// The instrument.
    public var instrument: DeviceIdentity
    /// Where the instrument was reached: `sim:lfr`, `usb:…`.
    public var endpoint: String
    /// The lot calibration's row, when one was loaded.
    public var calibrationID: Int64?
    /// The cartridge's id.
    public var cartridgeID: String?
    /// Who started it.
    public var operatorID: String
    /// Which process runs it: `pid@host`.
    public var owner: String
    /// A run on a simulator or a replayed trace: its result is never a patient's.
    public var training: Bool
    /// What the run is.
    public var kind: RunKind
    /// A sequencing run's flow cell, channels and reads file (stored with the run, once).
    public var sequencing: SequencingDetail?

    /// Makes a new run.
    public init(sampleID: String, patientID: String?, assay: String, instrument: DeviceIdentity, endpoint: String,
                calibrationID: Int64?, cartridgeID: String?, operatorID: String, owner: String, training: Bool = false,
                kind: RunKind = .strip, sequencing: SequencingDetail? = nil) {
        self.kind = kind
        self.sequencing = sequencing
        self.sampleID = sampleID
        self.patientID = patientID
        self.assay = assay
        self.instrument = instrument
        self.endpoint = endpoint
        self.calibrationID = calibrationID
        self.cartridgeID = cartridgeID
        self.operatorID = operatorID
        self.owner = owner
        self.training = training
    }
}

/// A stored run.
public struct RunRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var uid: String
    public var sampleID: String
    public var patientID: String?
    public var assay: String
    public var instrumentID: String
    public var endpoint: String
    public var calibrationID: Int64?
    public var cartridgeID: String?
    public var operatorID: String
    public var owner: String
    public var status: RunStatus
    public var startedAt: String
    public var endedAt: String?
    public var errorKind: ErrorKind?
    public var errorMessage: String?
    public var linkReport: String?
    /// A run on a simulator or a replayed trace (never a patient's result).
    public var training: Bool = false
    /// What the run is.
    public var kind: RunKind = .strip
}

/// A result about to be stored.
public struct NewResult: Sendable {
    /// FINAL or INVALID.
    public var status: ResultStatus
    public var analyte: String
    public var loinc: Coding
    public var concentration: Concentration?
    public var unit: String
    public var decimals: Int
    public var flags: [ResultFlag]
    /// The instrument response the concentration was read from (T/C ratio).
    public var response: Double?
    /// The analysis' details (lines, areas, noise, method) as JSON.
    public var analysisJSON: String
    public var referenceRange: String?
    /// Why the result is what it is (invalid strip, correction).
    public var reason: String?
    /// The sample, when a run holds several (a plate); nil: the run's.
    public var sampleID: String?
    /// The sample's pseudonymous patient, with `sampleID`.
    public var patientID: String?
    /// A qualitative result's value (then `concentration` is nil).
    public var coded: CodedValue?
    /// How it was measured, for people: `Real-time RT-PCR, standard curve on the plate`.
    public var method: String?
    /// Which of the outcome's raw data it came from (an index into the list given with it).
    public var rawDataIndex: Int?
    /// The specimen it was measured in; nil: serum.
    public var specimen: SpecimenType?
    /// Its further values (a sequencing run's bases, N50, occupancy, losses).
    public var components: [ResultComponent]?

    /// Makes a result.
    public init(status: ResultStatus, analyte: String, loinc: Coding, concentration: Concentration?, unit: String,
                decimals: Int, flags: [ResultFlag], response: Double?, analysisJSON: String,
                referenceRange: String?, reason: String?, sampleID: String? = nil, patientID: String? = nil,
                coded: CodedValue? = nil, method: String? = nil, rawDataIndex: Int? = nil, specimen: SpecimenType? = nil,
                components: [ResultComponent]? = nil) {
        self.components = components
        self.sampleID = sampleID
        self.patientID = patientID
        self.coded = coded
        self.method = method
        self.rawDataIndex = rawDataIndex
        self.specimen = specimen
        self.status = status
        self.analyte = analyte
        self.loinc = loinc
        self.concentration = concentration
        self.unit = unit
        self.decimals = decimals
        self.flags = flags
        self.response = response
        self.analysisJSON = analysisJSON
        self.referenceRange = referenceRange
        self.reason = reason
    }
}

/// A stored result.
public struct ResultRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var uid: String
    public var runID: Int64
    public var supersedesID: Int64?
    public var status: ResultStatus
    public var analyte: String
    public var loincCode: String
    public var loincDisplay: String
    public var concentration: Concentration?
    public var unit: String
    public var decimals: Int
    public var flags: [ResultFlag]
    public var response: Double?
    public var analysisJSON: String
    public var referenceRange: String?
    public var reason: String?
    public var createdAt: String
    /// The sample, when the run holds several; nil: the run's (`sample(of:)`).
    public var sampleID: String? = nil
    public var patientID: String? = nil
    public var coded: CodedValue? = nil
    public var method: String? = nil
    public var specimen: SpecimenType? = nil
    public var rawDataID: Int64? = nil
    /// The code system of `loincCode` when it is not LOINC (a sequencing run's yield).
    public var codeSystem: String? = nil
    /// Further values of the result, each coded.
    public var components: [ResultComponent]? = nil
}

/// One delivery of one result to one destination.
public struct OutboxEntry: Sendable, Codable, Equatable {
    public var id: Int64
    public var resultID: Int64
    public var runID: Int64
    public var sampleID: String
    public var destination: String
    public var state: OutboxState
    public var attempts: Int
    public var nextAttemptAt: String
    public var lastError: String?
    public var createdAt: String
    public var updatedAt: String
    public var deliveredAt: String?
    /// Whether the result is a training run's (simulated or replayed).
    public var training: Bool = false
}

/// What `completeRun` wrote.
public struct CompletedRun: Sendable, Equatable {
    /// The result's row.
    public var result: ResultRecord
    /// The outbox rows, one per destination.
    public var outbox: [OutboxEntry]
}

/// A sign-in refused because too many wrong PINs came in a row.
public struct SignInLocked: Error, Sendable {
    /// When sign-in opens again.
    public var until: Date
}

// The vocabulary the store keeps by name: each enum's raw value is the column's text.
extension RunStatus: DatabaseValueConvertible {}
extension ResultStatus: DatabaseValueConvertible {}
extension OutboxState: DatabaseValueConvertible {}
extension ErrorKind: DatabaseValueConvertible {}
