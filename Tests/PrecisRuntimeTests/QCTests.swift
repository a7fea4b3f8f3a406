import Foundation
import PrecisCore
import PrecisRuntime
import PrecisSignal
import PrecisStore
import Testing

@Suite struct QCTests {
    static let reader = "lfr:LFR-SIM-0001"

    @Test func aControlOnTheReaderIsJudgedAndAcceptedInRange() async throws {
        let runtime = try makeRuntime()
        let lot = try runtime.catalog.lot("CRP26A07", for: try runtime.catalog.assay("crp"), today: CalendarDate(iso: "2026-11-22")!)
        let ratio = lot.lot.model.response(at: 8.2)
        let report = try await runtime.run(RunRequest(device: fastSim + "&ratio=\(ratio)", assay: "crp", sample: "",
                                                      qc: QCSample(materialLot: "QC-CRP-2609", level: 1)))
        #expect(report.sample == "QC-QC-CRP-2609-L1")
        #expect(report.outbox.isEmpty)   // controls are not sent to the centre
        let qc = try #require(report.qc)
        #expect(qc.accepted)
        #expect(abs((qc.values["1"] ?? 0) - 8.2) < 0.25)   // the strip's read noise, ~1 % in T/C
    }

    @Test func aRejectedControlHoldsPatientsUntilASupervisorAcknowledges() async throws {
        let runtime = try makeRuntime()
        let ok = try runtime.recordQC(assay: "crp", instrumentID: Self.reader, materialLot: "QC-CRP-2609",
                                      values: [1: 8.3, 2: 59], operatorID: "tech1")
        #expect(ok.accepted)
        let bad = try runtime.recordQC(assay: "crp", instrumentID: Self.reader, materialLot: "QC-CRP-2609",
                                       values: [1: 10.2, 2: 61], operatorID: "tech1")   // level 1: +3.7 SD
        #expect(!bad.accepted)
        #expect(bad.violations.contains { $0.rule == .oneThreeS })
        let lockout = try #require(bad.lockout)

        await #expect { _ = try await runtime.run(RunRequest(device: fastSim, assay: "crp", sample: "S-1")) } throws: { error in
            let e = error as? PrecisError
            return e?.kind == .qualityControl && e?.message.contains("held by QC (rule 1-3s") == true
                && e?.hint?.contains("precis qc acknowledge \(lockout.id)") == true
        }
        #expect(try runtime.store.runs().isEmpty)   // nothing started

        #expect { try runtime.acknowledgeLockout(id: lockout.id, supervisor: "sup1", reason: "") } throws: {
            ($0 as? PrecisError)?.message.contains("only with a reason") == true
        }
        _ = try runtime.acknowledgeLockout(id: lockout.id, supervisor: "sup1", reason: "recalibrated optics, repeated QC in range")
        #expect(try runtime.qcStatus().lockouts.isEmpty)
        let after = try await runtime.run(RunRequest(device: fastSim, assay: "crp", sample: "S-2"))
        #expect(after.status == .completed)
        let audit = try runtime.store.auditEntries(entity: "qc-lockout")
        #expect(audit.map(\.action) == ["locked", "acknowledged"])
        #expect(audit.last?.actor == "sup1")
        #expect(audit.last?.detail.contains("recalibrated optics") == true)
        #expect(try runtime.store.verifyAudit().intact)
        #expect { try runtime.acknowledgeLockout(id: lockout.id, supervisor: "sup1", reason: "again!") } throws: {
            ($0 as? PrecisError)?.message.contains("already acknowledged") == true
        }
    }

    @Test func aLockoutHoldsOnlyItsInstrument() async throws {
        let runtime = try makeRuntime()
        _ = try runtime.recordQC(assay: "crp", instrumentID: "lfr:OTHER-READER", materialLot: "QC-CRP-2609",
                                 values: [1: 2.0], operatorID: "t")
        #expect(try runtime.qcStatus().lockouts.count == 1)
        let report = try await runtime.run(RunRequest(device: fastSim, assay: "crp", sample: "S-3"))
        #expect(report.status == .completed)
    }

    @Test func unknownLevelsAndLotsAreRefused() throws {
        let runtime = try makeRuntime()
        #expect { try runtime.recordQC(assay: "crp", instrumentID: Self.reader, materialLot: "QC-CRP-2609", values: [3: 1],
                                       operatorID: "t") } throws: { ($0 as? PrecisError)?.message.contains("has levels 1, 2") == true }
        #expect { try runtime.recordQC(assay: "crp", instrumentID: Self.reader, materialLot: "NOPE-1", values: [1: 1],
                                       operatorID: "t") } throws: { ($0 as? PrecisError)?.kind == .calibration }
    }
}
