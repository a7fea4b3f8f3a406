import Foundation
import PrecisCore
import PrecisReplay

/// `sim:qpcr`'s options (all optional): `wells=FILE.csv` (what each well holds,
/// `SyntheticPlate.plate(wellsCSV:)`; default a one-dye dilution series), `cycle-ms=N`,
/// `corrupt=…`, `drop=…`, `drop-done`, `disconnect-after=N`, `lid-after=N` (open the lid after
/// N data frames), `fault=heater`, `serial=S`.
struct QPCRSimulatorOptions: FamilySimulatorOptions {
    /// The device errors `fault=` can make START_RUN answer (protocol.md's error codes).
    static let faults: [String: UInt16] = ["heater": 0x0007]
    static let known: [String: SimulatorOption] = [
        "wells": .file, "serial": .text, "cycle-ms": .count, "corrupt": .counts, "drop": .counts, "drop-done": .flag,
        "disconnect-after": .count, "lid-after": .count, "fault": .choice(faults.keys.sorted()),
    ]

    /// The simulated cycler's settings.
    var configuration: SimulatedQPCR.Configuration

    init(_ options: SimulatorOptions) throws {
        var plate = SyntheticPlate.dilutionSeries()
        if let path = options.text("wells") {
            let url = URL(fileURLWithPath: path)
            let text = try String(decoding: BoundedFile.read(url, limit: 1 << 20, what: "the wells file"), as: UTF8.self)
            plate = try SyntheticPlate.plate(wellsCSV: text, name: url.lastPathComponent)
        }
        var config = SimulatedQPCR.Configuration(plate: plate)
        if let serial = options.text("serial") { config.serial = serial }
        if let ms = options.count("cycle-ms") { config.cycleInterval = .milliseconds(ms) }
        config.faults.corruptDataFrames = Set(options.counts("corrupt"))
        config.faults.dropDataFrames = Set(options.counts("drop"))
        config.faults.dropRunDone = options.flag("drop-done")
        config.faults.disconnectAfterDataFrames = options.count("disconnect-after")
        config.faults.openLidAfterDataFrames = options.count("lid-after")
        config.faults.startRunError = options.text("fault").flatMap { Self.faults[$0] }
        configuration = config
    }

    func simulator(name: String) throws -> any Transport { SimulatedQPCR(configuration, name: name) }
}
