import PrecisDrivers

extension FamilyEntry {
    /// The lateral-flow reader: a strip scanned into a line profile, analysed into one result
    /// (`StripProcedure.swift`).
    static let lfr = FamilyEntry(family: LFRDriver.family, driver: { transport, _ in LFRDriver(transport: transport) },
                                 simulator: SimulatorEntry(LFRSimulatorOptions.self),
                                 procedure: { try await $0.runStripAssay($1, assay: $2, events: $3) })
}
