import PrecisDrivers

extension FamilyEntry {
    /// The lateral-flow reader: a strip scanned into a line profile, analysed into one result
    /// (`StripProcedure.swift`).
    static let lfr = FamilyEntry(family: LFRDriver.family, driver: { LFRDriver(transport: $0) },
                                 simulator: SimulatorEntry(LFRSimulatorOptions.self),
                                 procedure: { try await $0.runStripAssay($1, assay: $2, events: $3) })
}
