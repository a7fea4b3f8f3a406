import PrecisCore
import PrecisDrivers

extension FamilyEntry {
    /// The PalmSens potentiostat: a stripping voltammetry script run to one result (`StrippingProcedure.swift`).
    static let methodscript = FamilyEntry(
        family: MethodSCRIPTDriver.family, driver: { transport, _ in MethodSCRIPTDriver(transport: transport) },
        simulator: SimulatorEntry(MethodSCRIPTSimulatorOptions.self),
        procedure: { runtime, request, assay, events in
            let sample = try Identifiers.pseudonym(request.qc?.sampleID ?? request.sample, as: "sample id")
            let patient = try request.patient.map { try Identifiers.pseudonym($0, as: "patient id") }
            return try await runtime.runStrippingAssay(request, assay: assay, sample: sample, patient: patient, events: events)
        })
}
