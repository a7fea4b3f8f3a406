import PrecisDrivers

extension FamilyEntry {
    /// The nanopore sequencer: a sequencing run to BLOW5, its yield the result (`SequencingProcedure.swift`).
    static let nps = FamilyEntry(family: NPSDriver.family, driver: { transport, _ in NPSDriver(transport: transport) },
                                 simulator: SimulatorEntry(NPSSimulatorOptions.self),
                                 procedure: { try await $0.runSequencingAssay($1, assay: $2, events: $3) })
}
