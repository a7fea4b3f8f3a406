import PrecisDrivers

extension FamilyEntry {
    /// The 96-well real-time PCR cycler: a plate run to RDML and results (`QPCRProcedure.swift`).
    static let qpcr = FamilyEntry(family: QPCRDriver.family, driver: { transport, _ in QPCRDriver(transport: transport) },
                                  simulator: SimulatorEntry(QPCRSimulatorOptions.self),
                                  procedure: { try await $0.runQPCRAssay($1, assay: $2, events: $3) })
}
