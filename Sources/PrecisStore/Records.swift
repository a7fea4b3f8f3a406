import Foundation
import PrecisCore

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

    /// Makes a new run.
    public init(sampleID: String, patientID: String?, assay: String, instrument: DeviceIdentity, endpoint: String,
                calibrationID: Int64?, cartridgeID: String?, operatorID: String, owner: String, training: Bool = false) {
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
    /// RUNNING, COMPLETED, INVALID or ABORTED.
    public var status: String
    public var startedAt: String
    public var endedAt: String?
    public var errorKind: String?
    public var errorMessage: String?
    public var linkReport: String?
    /// A run on a simulator or a replayed trace (never a patient's result).
    public var training: Bool = false
}

/// A result about to be stored.
public struct NewResult: Sendable {
    /// FINAL or INVALID.
    public var status: String
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

    /// Makes a result.
    public init(status: String, analyte: String, loinc: Coding, concentration: Concentration?, unit: String,
                decimals: Int, flags: [ResultFlag], response: Double?, analysisJSON: String,
                referenceRange: String?, reason: String?) {
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
    public var status: String
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
}

/// One delivery of one result to one destination.
public struct OutboxEntry: Sendable, Codable, Equatable {
    public var id: Int64
    public var resultID: Int64
    public var runID: Int64
    public var sampleID: String
    public var destination: String
    /// pending, in_flight, delivered or failed.
    public var state: String
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
