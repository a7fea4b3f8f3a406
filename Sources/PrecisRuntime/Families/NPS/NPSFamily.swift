import PrecisDrivers

extension FamilyEntry {
    /// The nanopore sequencer. Its runs are sequencing runs (`Sequencing/`, reached through
    /// `SequencingRequest`, not an assay), so no assay procedure is named here yet.
    static let nps = FamilyEntry(family: NPSDriver.family, driver: { NPSDriver(transport: $0) },
                                 simulator: SimulatorEntry(NPSSimulatorOptions.self), procedure: nil)
}
