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

    /// The report of a run begun with `context`, before its outcome fills it in.
    func report(_ context: RunContext, status: RunStatus, raw: RawSummary, link: LinkSummary?, error: PrecisError?) -> RunReport {
        RunReport(runId: context.record.id, runUid: context.record.uid, sample: context.record.sampleID,
                  patient: context.record.patientID, assay: context.assay.id, analyte: context.assay.analyte, status: status,
                  flags: [], concentration: nil, display: nil, tcRatio: nil, referenceRange: nil, interpretation: [],
                  lot: context.lotSummary,
                  instrument: InstrumentSummary(id: context.identity.instrumentID, family: context.identity.family.name,
                                                serial: context.identity.serial, firmware: context.identity.firmware,
                                                endpoint: context.endpoint),
                  raw: raw, link: link, resultId: nil, outbox: [], error: error.map(ErrorSummary.init), qc: nil,
                  training: context.record.training)
    }

    /// `value` as JSON with sorted keys (what results and audit rows keep), or nil.
    static func json<T: Encodable>(_ value: T?) -> String? {
        guard let value else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) }
    }
}
