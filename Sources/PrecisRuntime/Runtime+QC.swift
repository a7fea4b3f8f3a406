import Foundation
import PrecisCore
import PrecisSignal
import PrecisStore

/// What one QC run decided.
public struct QCReport: Sendable, Codable, Equatable {
    /// The QC run's id.
    public var qcRunId: Int64
    /// The assay and instrument.
    public var assay: String
    /// The instrument.
    public var instrument: String
    /// The material lot.
    public var materialLot: String
    /// Values by level.
    public var values: [String: Double]
    /// False when a rule rejected the run.
    public var accepted: Bool
    /// Every rule the run broke (warnings too).
    public var violations: [QCRuleViolation]
    /// The lockout it set, if it rejected.
    public var lockout: QCLockout?
}

/// A Westgard rule a QC run broke, and which values broke it.
public struct QCRuleViolation: Sendable, Codable, Equatable {
    /// The rule.
    public var rule: QCRule
    /// Whether the run is rejected (patient results held) or only warned.
    public var rejects: Bool
    /// The values involved, oldest first.
    public var observations: [QCMeasurement]
    /// How the rule was read: "within run across levels", "across runs, level 1", …
    public var scope: String

    init(_ violation: WestgardViolation) {
        rule = QCRule(violation.rule)
        rejects = violation.rejects
        observations = violation.observations.map(QCMeasurement.init)
        scope = violation.scope
    }
}

/// A Westgard rule, by its usual name (`1-2s`, `1-3s`, …).
public enum QCRule: String, Sendable, Codable, Equatable, CaseIterable {
    /// One value beyond ±2 SD: a warning.
    case oneTwoS = "1-2s"
    /// One value beyond ±3 SD: random error, reject.
    case oneThreeS = "1-3s"
    /// Two consecutive values beyond 2 SD on the same side: systematic error, reject.
    case twoTwoS = "2-2s"
    /// In one run, one level above +2 SD and another below −2 SD: random error, reject.
    case rFourS = "R-4s"
    /// Four consecutive values beyond 1 SD on the same side: systematic error, reject.
    case fourOneS = "4-1s"
    /// Ten consecutive values on the same side of the mean: systematic error, reject.
    case tenX = "10-x"

    init(_ rule: WestgardRule) {
        switch rule {
        case .oneTwoS: self = .oneTwoS
        case .oneThreeS: self = .oneThreeS
        case .twoTwoS: self = .twoTwoS
        case .rFourS: self = .rFourS
        case .fourOneS: self = .fourOneS
        case .tenX: self = .tenX
        }
    }
}

/// One QC value a rule looked at: its QC run's place in the series, the control level and the value.
public struct QCMeasurement: Sendable, Codable, Equatable {
    /// The QC run's sequence number in the series (increasing with time).
    public var run: Int
    /// The control level (1, 2, …).
    public var level: Int
    /// The measured value.
    public var value: Double

    init(_ observation: QCObservation) {
        run = observation.run
        level = observation.level
        value = observation.value
    }
}

/// The QC picture: what holds, and the recent runs.
public struct QCStatus: Sendable, Codable, Equatable {
    /// Lockouts still holding.
    public var lockouts: [QCLockout]
    /// Lockouts a supervisor lifted, newest first.
    public var acknowledged: [QCLockout]
}

extension Runtime {
    /// Records a QC run (values by level for one material lot), judges it with the Westgard
    /// rules on its series, and locks the assay on the instrument when a rule rejects it.
    public func recordQC(assay assayID: String, instrumentID: String, materialLot: String, values: [Int: Double],
                         runID: Int64? = nil, operatorID: String) throws -> QCReport {
        _ = try Identifiers.validate(operatorID, as: "operator id")
        let assay = try catalog.assay(assayID)
        let material = try catalog.qcMaterial(materialLot, for: assay, today: Self.calendarDate(clock()))
        let targets = Dictionary(uniqueKeysWithValues: material.levels.map { ($0.level, QCTarget(mean: $0.mean, sd: $0.sd)) })
        guard !values.isEmpty, values.keys.allSatisfy({ targets[$0] != nil }) else {
            throw PrecisError(.input, "QC lot \(materialLot) has levels \(targets.keys.sorted().map(String.init).joined(separator: ", "))")
        }
        var violations: [QCRuleViolation] = []
        let recorded = try store.recordQC(assay: assay.id, instrumentID: instrumentID, materialLot: materialLot, values: values,
                                          unit: material.unit, runID: runID, operatorID: operatorID, at: clock()) { series in
            let history = series.enumerated().flatMap { index, run in
                run.values.map { QCObservation(run: index + 1, level: $0.key, value: $0.value) }
            }
            violations = Westgard.evaluate(history, targets: targets).map(QCRuleViolation.init)
            return QCDecision(rejecting: violations.filter(\.rejects).map(\.rule.rawValue),
                              warnings: violations.filter { !$0.rejects }.map(\.rule.rawValue),
                              detail: Self.json(violations) ?? "[]")
        }
        return QCReport(qcRunId: recorded.run.id, assay: assay.id, instrument: instrumentID, materialLot: materialLot,
                        values: Dictionary(uniqueKeysWithValues: values.map { ("\($0.key)", $0.value) }),
                        accepted: recorded.lockout == nil, violations: violations, lockout: recorded.lockout)
    }

    /// Lockouts holding and lifted.
    public func qcStatus() throws -> QCStatus {
        let all = try store.lockouts()
        return QCStatus(lockouts: all.filter { $0.acknowledgedAt == nil }, acknowledged: all.filter { $0.acknowledgedAt != nil })
    }

    /// A supervisor lifts a lockout; the reason goes to the audit log.
    public func acknowledgeLockout(id: Int64, supervisor: String, reason: String) throws -> QCLockout {
        let who = try Identifiers.validate(supervisor, as: "supervisor id")
        guard reason.trimmingCharacters(in: .whitespaces).count >= 3 else {
            throw PrecisError(.input, "a lockout is lifted only with a reason", hint: "say what was found and done")
        }
        return try store.acknowledgeLockout(id, supervisor: who, reason: reason, at: clock())
    }

    /// Refuses a patient run while QC holds the assay on this instrument.
    func checkQC(assay: String, instrumentID: String) throws {
        guard let lockout = try store.openLockouts(assay: assay, instrumentID: instrumentID).first else { return }
        throw PrecisError(.qualityControl,
                          "\(assay) on \(instrumentID) is held by QC (rule \(lockout.rules.joined(separator: ", ")) since "
                          + "\(lockout.createdAt), lockout \(lockout.id)): no patient samples until a supervisor acknowledges it",
                          hint: "precis qc acknowledge \(lockout.id) --supervisor ID --reason \"…\" after the cause is fixed")
    }
}
