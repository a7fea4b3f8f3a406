import Foundation
import PrecisCore
import PrecisDrivers
import PrecisReplay

/// Builds simulated readers from `sim:` addresses. Options (all optional):
///
/// | option | meaning |
/// |---|---|
/// | `profile=FILE.csv` | the recorded line profile to read (`position_um,reflectance`) |
/// | `ratio=R`, `seed=N` | a synthetic CRP strip with test/control area ratio R (default 0.35) |
/// | `control=A` | the synthetic control line's area, absorbance·mm (0: a strip that did not run) |
/// | `cartridge=LOT:SERIAL` / `cartridge=none` | what is in the slot (default `CRP26A07:004217`) |
/// | `serial=S` | the reader's serial |
/// | `insert-after-ms=N` | with `cartridge=none`: the reader announces a cartridge (`insert=LOT:SERIAL`, default `CRP26A07:004217`) after N ms |
/// | `reading-ms=N` | time per reading (default 4; 0 = as fast as possible) |
/// | `reply-ms=N` | delay before each reply (a slow reader; the driver resends after 800 ms) |
/// | `corrupt=3,7`, `drop=5` | damage or lose those SCAN_DATA frames |
/// | `drop-done` | lose SCAN_DONE |
/// | `disconnect-after=N` | pull the cable after N SCAN_DATA frames |
/// | `remove-after=N` | pull the cartridge after N SCAN_DATA frames |
/// | `fault=lamp|motor|temperature` | refuse START_SCAN with that error |
enum SimulatorSetup {
    /// The simulated families: every registered one (`DriverRegistry.families`), in its order.
    static let families: [DeviceFamily] = DriverRegistry.families.map(\.family)
    /// The options whose value is a file to read (checked against the store's files before any is opened).
    static let fileOptions: Set<String> = ["profile", "input", "wells"]

    /// The simulator an address names, as a transport.
    static func transport(_ address: DeviceAddress) throws -> any Transport {
        try SimulatorOptions.check(address)
        switch address.target {
        case LFRDriver.family.name: return try lfr(address)
        case QPCRDriver.family.name: return try qpcr(address)
        case NPSDriver.family.name: return try nps(address)
        case MethodSCRIPTDriver.family.name: return try potentiostat(address)
        default:
            throw PrecisError(.input, "no simulated '\(address.target)' device",
                              hint: "simulated devices: " + families.map { "sim:\($0)" }.joined(separator: ", "))
        }
    }

    /// A simulated cycler: `wells=FILE.csv` (what each well holds, `SyntheticPlate.plate(wellsCSV:)`;
    /// default a one-dye dilution series), `cycle-ms=N`, `corrupt=…`, `drop=…`, `drop-done`,
    /// `disconnect-after=N`, `lid-after=N` (open the lid after N data frames), `fault=heater`, `serial=S`.
    static func qpcr(_ address: DeviceAddress) throws -> SimulatedQPCR {
        var plate = SyntheticPlate.dilutionSeries()
        if let path = address.option("wells") {
            let url = URL(fileURLWithPath: path)
            let text = try String(decoding: BoundedFile.read(url, limit: 1 << 20, what: "the wells file"), as: UTF8.self)
            plate = try SyntheticPlate.plate(wellsCSV: text, name: url.lastPathComponent)
        }
        var config = SimulatedQPCR.Configuration(plate: plate)
        if let serial = address.option("serial") { config.serial = serial }
        if let ms = address.option("cycle-ms") { config.cycleInterval = .milliseconds(try int(ms, "cycle-ms")) }
        config.faults.corruptDataFrames = Set(try list(address.option("corrupt"), "corrupt"))
        config.faults.dropDataFrames = Set(try list(address.option("drop"), "drop"))
        config.faults.dropRunDone = address.flag("drop-done")
        config.faults.disconnectAfterDataFrames = try address.option("disconnect-after").map { try int($0, "disconnect-after") }
        config.faults.openLidAfterDataFrames = try address.option("lid-after").map { try int($0, "lid-after") }
        if let fault = address.option("fault") {
            guard fault == "heater" else { throw PrecisError(.input, "unknown simulated fault '\(fault)' (heater)") }
            config.faults.startRunError = 0x0007
        }
        return SimulatedQPCR(config, name: address.description)
    }

    /// A simulated EmStat Pico: `lead=µg/dL` (a blood lead cell that strips, `Cell.lead`;
    /// default the dissolved 1 mM couple), `seed=N`, `error-before=N` (the device reports an
    /// error before data package N), `disconnect-in=N`, `serial=S`.
    static func potentiostat(_ address: DeviceAddress) throws -> SimulatedPotentiostat {
        var cell = SimulatedPotentiostat.Cell()
        if let lead = address.option("lead") {
            cell = .lead(microgramsPerDecilitre: try double(lead, "lead"),
                         seed: try address.option("seed").map { UInt64(try int($0, "seed")) } ?? 1)
        }
        var faults = SimulatedPotentiostat.Faults()
        faults.errorBeforePackage = try address.option("error-before").map { try int($0, "error-before") }
        faults.disconnectInPackage = try address.option("disconnect-in").map { try int($0, "disconnect-in") }
        return SimulatedPotentiostat(cell: cell, faults: faults, serial: address.option("serial") ?? "SIM-PICO-0001")
    }

    static func lfr(_ address: DeviceAddress) throws -> SimulatedLFR {
        var config = SimulatedLFR.Configuration(profile: try profile(address))
        if let cartridge = address.option("cartridge") { config.cartridgeID = cartridge == "none" ? nil : cartridge }
        if let serial = address.option("serial") { config.serial = serial }
        if let ms = address.option("reading-ms") { config.readingInterval = .milliseconds(try int(ms, "reading-ms")) }
        if let ms = address.option("reply-ms") { config.replyLatency = .milliseconds(try int(ms, "reply-ms")) }
        config.faults.corruptDataFrames = Set(try list(address.option("corrupt"), "corrupt"))
        config.faults.dropDataFrames = Set(try list(address.option("drop"), "drop"))
        config.faults.dropScanDone = address.flag("drop-done")
        config.faults.disconnectAfterDataFrames = try address.option("disconnect-after").map { try int($0, "disconnect-after") }
        config.faults.removeCartridgeAfterDataFrames = try address.option("remove-after").map { try int($0, "remove-after") }
        if let fault = address.option("fault") {
            let codes: [String: UInt16] = ["lamp": 0x0006, "motor": 0x0007, "temperature": 0x000A]
            guard let code = codes[fault] else { throw PrecisError(.input, "unknown simulated fault '\(fault)' (lamp, motor, temperature)") }
            config.faults.startScanError = code
        }
        let simulator = SimulatedLFR(config, name: address.description)
        if let ms = address.option("insert-after-ms") {
            let delay = try int(ms, "insert-after-ms")
            let cartridge = address.option("insert") ?? "CRP26A07:004217"
            Task {
                try? await Task.sleep(for: .milliseconds(delay))
                await simulator.insertCartridge(cartridge)
            }
        }
        return simulator
    }

    private static func profile(_ address: DeviceAddress) throws -> LineProfile {
        if let path = address.option("profile") { return try LineProfileFile.read(URL(fileURLWithPath: path)) }
        let ratio = try address.option("ratio").map { try double($0, "ratio") } ?? 0.35
        let seed = try address.option("seed").map { UInt64(try int($0, "seed")) } ?? 1
        let control = try address.option("control").map { try double($0, "control") } ?? SyntheticStrip.CRP.controlArea
        return SyntheticStrip.crp(ratio: ratio, controlArea: control, seed: seed).profile()
    }

    static func int(_ text: String, _ name: String) throws -> Int {
        guard let value = Int(text), value >= 0 else { throw PrecisError(.input, "sim option \(name)=\(text) needs a whole number") }
        return value
    }

    static func double(_ text: String, _ name: String) throws -> Double {
        guard let value = Double(text), value.isFinite, value >= 0 else {
            throw PrecisError(.input, "sim option \(name)=\(text) needs a non-negative number")
        }
        return value
    }

    static func list(_ text: String?, _ name: String) throws -> [Int] {
        guard let text, !text.isEmpty else { return [] }
        return try text.split(separator: ",").map { try int(String($0), name) }
    }
}
