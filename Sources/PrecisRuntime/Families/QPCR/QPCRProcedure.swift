import Foundation
import PrecisCore
import PrecisDrivers
import PrecisFormats
import PrecisStore

extension Runtime {
    /// A qPCR assay on a cycler, from the layout to queued results: the thermal profile for
    /// the assay's cycles, the target's and internal control's dyes read every cycle (lost
    /// frames fetched again), the plate analysed (LinRegPCR), its controls judged and each
    /// patient sample's result made (`QPCRInterpretation`); then in one transaction the plate's
    /// RDML (raw curves, layout, analysis) with its SHA-256, a result per patient sample and an
    /// outbox entry per result and destination. A run that stops half way is stored ABORTED
    /// with the RDML of what arrived, and reported, not thrown.
    func runQPCRAssay(_ request: RunRequest, assay: AssayDefinition,
                      events: @escaping @Sendable (RunEvent) -> Void) async throws -> RunReport {
        guard let method = assay.qpcr else { throw PrecisError(.calibration, "assay \(assay.id) has no qpcr method") }
        guard request.layout != nil || request.layoutText != nil else {
            throw PrecisError(.input, "a qPCR assay needs the plate's layout", hint: "give --layout plate.csv (well,sample,type[,quantity,unit,patient])")
        }
        guard request.qc == nil else {
            throw PrecisError(.input, "a qPCR plate carries its controls in its layout (types pos and ntc), not --qc")
        }
        guard let lotNumber = request.lot else {
            throw PrecisError(.input, "a qPCR assay needs the kit's lot", hint: "give --lot LOT (Calibration/lots/LOT.json)")
        }
        let layout: PlateLayout
        if let layoutURL = request.layout {
            try files.admit([(layoutURL.path, "--layout")])
            layout = try PlateLayout(contentsOf: layoutURL)
        } else {
            layout = try PlateLayout(text: request.layoutText ?? "")
        }
        // A plate's id is a code that names no one (its samples are in the layout, checked there as
        // pseudonyms): it needs no digit, but like every id it holds no date.
        let plateID = try Identifiers.validate(request.sample, as: "plate id")
        if request.patient != nil { throw PrecisError(.input, "a plate's patients are in its layout (column patient), not --patient") }
        let today = Self.calendarDate(clock())
        let loaded = try catalog.lot(lotNumber, for: assay, today: today)
        let material = try catalog.qcMaterial(method.positiveControl.qc, for: assay, today: today)
        guard let level = material.levels.first(where: { $0.level == method.positiveControl.level }) else {
            throw PrecisError(.calibration, "QC material \(material.lot) has no level \(method.positiveControl.level)")
        }
        let address = try DeviceAddress(request.device)
        let opened = try Instruments.open(address, family: QPCRDriver.family, recording: request.recording, files: files)
        defer { opened.stopWatching() }
        let driver = QPCRDriver(transport: opened.transport)
        return try await closing(driver) {
            try await runQPCRAssay(request, assay: assay, method: method, layout: layout, plateID: plateID, lot: loaded, level: level,
                                   driver: driver, endpoint: address.description, training: address.scheme.isTraining, events: events)
        }
    }

    private func runQPCRAssay(_ request: RunRequest, assay: AssayDefinition, method: QPCRAssayMethod, layout: PlateLayout,
                              plateID: String, lot loaded: LoadedLot, level: QCMaterial.Level, driver: QPCRDriver,
                              endpoint: String, training: Bool,
                              events: @escaping @Sendable (RunEvent) -> Void) async throws -> RunReport {
        let identity = try await driver.identify()
        let cycler = try await driver.qpcrIdentity()
        for dye in [method.target.dye, method.internalControl.dye] where !cycler.dyes.contains(dye) {
            throw PrecisError(.deviceFault, "the cycler reads \(cycler.dyes.joined(separator: ", ")), not \(dye)",
                              hint: "run \(assay.id) on a cycler with a \(dye) channel")
        }
        let context = try begin(request, kind: .plate, assay: assay, sample: plateID, patient: nil, lot: loaded, identity: identity,
                                endpoint: endpoint, training: training, events: events)
        let record = context.record, lotSummary = context.lotSummary

        let dyes = [method.target.dye, method.internalControl.dye]
        let description = PlateDescription(plateID: plateID, layout: layout,
                                           targets: [method.target.dye: method.target.name, method.internalControl.dye: method.internalControl.name],
                                           chemistry: "hydrolysis probe")
        let profile = ThermalProfile.standard(cycles: method.cycles)
        let collected = ReadingCollector(dyes: dyes, cycles: profile.cycles, meltPoints: profile.melt?.points ?? 0)
        let instrument = "\(cycler.model) \(cycler.serial) (firmware \(cycler.firmware))"
        // The live curves: the layout's wells, in plate order, and where each sits in a reading.
        let liveWells = QPCRPlateData.wellNames.enumerated().filter { layout.wells[$0.element] != nil }
        let liveTypes = liveWells.map { layout.wells[$0.element]?.type ?? "" }
        let targetDye = cycler.dyes.firstIndex(of: method.target.dye)
        let plate: QPCRPlateData
        do {
            plate = try await driver.run(profile: profile, plateID: plateID, dyes: dyes) { p in
                collected.add(p.reading, dye: dyes.firstIndex(of: cycler.dyes[p.reading.dye]) ?? 0, melt: p.isMelt)
                events(.progress(received: p.cycleReadings + p.meltReadings, total: p.total))
                if !p.isMelt, p.reading.dye == targetDye {
                    let values = p.reading.values
                    events(.cycle(PlateCycle(cycle: p.reading.index, cycles: profile.cycles, dye: method.target.dye,
                                             wells: liveWells.map(\.element), types: liveTypes,
                                             fluorescence: liveWells.map { values.indices.contains($0.offset) ? Double(values[$0.offset]) : 0 })))
                }
            }
        } catch {
            let failure = error is CancellationError
                ? PrecisError(.other, "the run was interrupted before the plate was read", hint: "run the plate again")
                : error.asPrecisError
            let partial = Self.rdml(collected.plate(), description: description, instrument: instrument, profile: profile, partial: true)
            let raw = try? Self.rawData(partial, complete: false, summary: ["readings": String(collected.count)])
            try store.abortRun(record.id, error: failure, partial: raw.map { [$0] } ?? [], linkReport: nil, at: clock(),
                               actor: request.operatorID)
            logger.error("run \(record.id) aborted: \(failure.message)")
            return report(context, status: .aborted, raw: RawSummary(readings: collected.count, expected: nil, complete: false),
                          link: nil, error: failure)
        }
        events(.analysing)
        let document = Self.rdml(plate, description: description, instrument: instrument, profile: profile, partial: false)
        let (analysis, annotated) = try QPCRAnalysis.analyse(document)
        let (verdict, calls) = try QPCRInterpretation.interpret(analysis, layout: layout, assay: assay, lot: loaded.lot,
                                                                positiveControl: level)
        let raw = try Self.rawData(annotated, complete: true, summary: [
            "wells": String(layout.wells.count), "cycles": String(plate.cycles), "dyes": dyes.joined(separator: ","),
            "plate": verdict.valid ? "valid" : "invalid",
        ])
        let quantitative = method.standardCurve != nil
        let methodText = quantitative
            ? "Real-time RT-PCR with hydrolysis probes, quantified by the plate's standard curve (Cq: LinRegPCR second-derivative maximum)"
            : "Real-time RT-PCR with hydrolysis probes, qualitative, with an internal control"
        let results = calls.map { call in
            NewResult(status: call.status, analyte: assay.analyte, loinc: assay.loinc, concentration: call.concentration,
                      unit: assay.unit.ucum, decimals: assay.decimals, flags: call.flags, response: call.meanCq,
                      analysisJSON: Self.json(StoredPlateCall(call: call, plate: verdict, lot: lotSummary)) ?? "{}",
                      referenceRange: assay.referenceRange?.text,
                      reason: call.reason ?? call.flags.first.map(\.explanation),
                      sampleID: call.sample, patientID: call.patient, coded: call.coded, method: methodText,
                      rawDataIndex: 0, specimen: assay.specimen)
        }
        let completed = try store.completeRun(record.id, raw: [raw], results: results, destinations: destinations,
                                              linkReport: nil, at: clock(), actor: request.operatorID)
        var report = report(context, status: results.contains { $0.status != .invalid } ? .completed : .invalid,
                            raw: RawSummary(readings: collected.count, expected: collected.count, complete: true), link: nil, error: nil)
        report.kind = RunKind.plate.rawValue
        report.plate = verdict
        report.results = zip(calls, completed).map { call, stored in
            SampleResultSummary(resultId: stored.result.id, sample: call.sample, patient: call.patient, status: call.status,
                                display: Self.display(call, decimals: assay.decimals, unit: assay.unit), concentration: call.concentration.map {
                                    Format.rounded($0, decimals: assay.decimals) }, coded: call.coded,
                                flags: call.flags.map(\.rawValue), reason: call.reason, wells: call.wells, meanCq: call.meanCq,
                                cqSD: call.cqSD, outbox: stored.outbox.map(OutboxSummary.init))
        }
        report.flags = verdict.valid ? [] : [ResultFlag.plateControlFailed.rawValue]
        report.interpretation = verdict.failures
        return report
    }

    /// `4210 copies/mL`, `< 20 copies/mL`, `Detected`, nil for an invalid call: the unit as
    /// people read it (the UCUM code, `{copies}/mL`, is what is sent).
    static func display(_ call: QPCRSampleCall, decimals: Int, unit: MeasureUnit) -> String? {
        guard call.status != .invalid else { return nil }
        if let coded = call.coded { return coded.display }
        return call.concentration.map { Format.concentration($0, decimals: decimals, shownIn: unit) }
    }

    /// The plate as raw data: its RDML file, whole, with the SHA-256 of its bytes.
    static func rawData(_ document: RDMLDocument, complete: Bool, summary: [String: String]) throws -> NewRawData {
        NewRawData(kind: .plateRDML, mediaType: "application/x-rdml", bytes: try document.rdmlFile(), complete: complete,
                   summaryJSON: json(summary) ?? "{}")
    }
}

/// What a plate's result keeps of how it was made: its call (wells, Cqs, internal control),
/// the plate's verdict (every control and the standard curve) and the lot.
struct StoredPlateCall: Codable {
    var call: QPCRSampleCall
    var plate: PlateVerdict
    var lot: LotSummary
}
