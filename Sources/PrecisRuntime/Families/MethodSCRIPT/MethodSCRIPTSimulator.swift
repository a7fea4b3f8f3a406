import PrecisCore
import PrecisReplay

/// `sim:methodscript`'s options (all optional), a simulated EmStat Pico: `lead=µg/dL` (a blood
/// lead cell that strips, `Cell.lead`; default the dissolved 1 mM couple), `seed=N`,
/// `error-before=N` (the device reports an error before data package N), `disconnect-in=N`, `serial=S`.
struct MethodSCRIPTSimulatorOptions: FamilySimulatorOptions {
    static let known: [String: SimulatorOption] = [
        "serial": .text, "lead": .number, "seed": .count, "error-before": .count, "disconnect-in": .count,
    ]

    /// The cell on the electrodes.
    var cell = SimulatedPotentiostat.Cell()
    /// The faults to inject.
    var faults = SimulatedPotentiostat.Faults()
    /// The serial it reports.
    var serial: String

    init(_ options: SimulatorOptions) throws {
        if let lead = options.number("lead") {
            cell = .lead(microgramsPerDecilitre: lead, seed: UInt64(options.count("seed") ?? 1))
        }
        faults.errorBeforePackage = options.count("error-before")
        faults.disconnectInPackage = options.count("disconnect-in")
        serial = options.text("serial") ?? "SIM-PICO-0001"
    }

    func simulator(name: String) throws -> any Transport {
        SimulatedPotentiostat(cell: cell, faults: faults, serial: serial)
    }
}
