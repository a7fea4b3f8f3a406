import Foundation
import PrecisCore
import PrecisStore

extension Runtime {
    /// Runs `body` with `driver` and closes the driver after, whether `body` returns or throws.
    func closing<D: Driver, T: Sendable>(_ driver: D, _ body: () async throws -> T) async throws -> T {
        do {
            let value = try await body()
            await driver.close()
            return value
        } catch {
            await driver.close()
            throw error
        }
    }

    /// What every procedure does once its instrument has answered: the instrument recorded, a
    /// patient run checked against the QC lockouts, the lot's file stored, the run begun as
    /// RUNNING (of `kind`) and announced.
    func begin(_ request: RunRequest, kind: RunKind, assay: AssayDefinition, sample: String, patient: String?, lot: LoadedLot,
               identity: DeviceIdentity, endpoint: String, training: Bool,
               events: @Sendable (RunEvent) -> Void) throws -> RunContext {
        events(.connected(identity))
        try store.saveInstrument(identity, endpoint: endpoint, at: clock())
        if request.qc == nil { try checkQC(assay: assay.id, instrumentID: identity.instrumentID) }
        let summary = LotSummary(lot: lot.lot.lot, version: lot.lot.version, expiry: lot.lot.expiry.description, sha256: lot.sha256)
        let calibrationID = try store.saveCalibration(lot.lot, content: lot.content, sha256: lot.sha256, at: clock())
        let record = try store.beginRun(NewRun(
            sampleID: sample, patientID: patient, assay: assay.id, instrument: identity, endpoint: endpoint,
            calibrationID: calibrationID, cartridgeID: nil, operatorID: request.operatorID, owner: owner, training: training,
            kind: kind), at: clock())
        events(.started(runID: record.id))
        return RunContext(record: record, assay: assay, lot: lot, lotSummary: summary, identity: identity, endpoint: endpoint,
                          operatorID: request.operatorID, qc: request.qc)
    }
}
