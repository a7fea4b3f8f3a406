import PrecisCore
import PrecisDrivers

extension FamilyEntry {
    /// Ocean spectrometers (Ocean Binary Protocol): an absorbance assay's dark, blank and sample
    /// spectra read to one result (`AbsorbanceProcedure.swift`). The driver needs the model (the
    /// protocol cannot tell an Ocean ST from an SR2): the USB ids, the simulator or the trace name it.
    static let obp = FamilyEntry(
        family: OBPDriver.family,
        driver: { transport, model in
            guard let model = model.flatMap(OBPModel.named) else {
                throw PrecisError(.input, "which Ocean spectrometer \(transport.endpointDescription) is, is not known")
            }
            return OBPDriver(transport: transport, model: model)
        },
        simulator: SimulatorEntry(OBPSimulatorOptions.self),
        procedure: { runtime, request, assay, events in
            let sample = try Identifiers.pseudonym(request.qc?.sampleID ?? request.sample, as: "sample id")
            let patient = try request.patient.map { try Identifiers.pseudonym($0, as: "patient id") }
            return try await runtime.runAbsorbanceAssay(request, assay: assay, sample: sample, patient: patient, events: events)
        })
}
