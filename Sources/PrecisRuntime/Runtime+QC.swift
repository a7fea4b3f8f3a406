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
    public var violations: [WestgardViolation]
    /// The lockout it set, if it rejected.
    public var lockout: QCLockout?
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
        var violations: [WestgardViolation] = []
        let recorded = try store.recordQC(assay: assay.id, instrumentID: instrumentID, materialLot: materialLot, values: values,
                                          unit: material.unit, runID: runID, operatorID: operatorID, at: clock()) { series in
            let history = series.enumerated().flatMap { index, run in
                run.values.map { QCObservation(run: index + 1, level: $0.key, value: $0.value) }
            }
            violations = Westgard.evaluate(history, targets: targets)
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
