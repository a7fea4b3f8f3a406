import Foundation
import PrecisCore
import PrecisReplay

/// `sim:lfr`'s options (all optional):
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
struct LFRSimulatorOptions: FamilySimulatorOptions {
    /// The device errors `fault=` can make START_SCAN answer (protocol.md's error codes).
    static let faults: [String: UInt16] = ["lamp": 0x0006, "motor": 0x0007, "temperature": 0x000A]
    static let known: [String: SimulatorOption] = [
        "profile": .file, "ratio": .number, "seed": .count, "control": .number, "cartridge": .text, "serial": .text,
        "insert-after-ms": .count, "insert": .text, "reading-ms": .count, "reply-ms": .count, "corrupt": .counts,
        "drop": .counts, "drop-done": .flag, "disconnect-after": .count, "remove-after": .count,
        "fault": .choice(faults.keys.sorted()),
    ]

    /// The simulated reader's settings.
    var configuration: SimulatedLFR.Configuration
    /// A cartridge to announce after a delay (`insert-after-ms`, `insert`).
    var insertion: (after: Duration, cartridge: String)?

    init(_ options: SimulatorOptions) throws {
        var config = SimulatedLFR.Configuration(profile: try Self.profile(options))
        if let cartridge = options.text("cartridge") { config.cartridgeID = cartridge == "none" ? nil : cartridge }
        if let serial = options.text("serial") { config.serial = serial }
        if let ms = options.count("reading-ms") { config.readingInterval = .milliseconds(ms) }
        if let ms = options.count("reply-ms") { config.replyLatency = .milliseconds(ms) }
        config.faults.corruptDataFrames = Set(options.counts("corrupt"))
        config.faults.dropDataFrames = Set(options.counts("drop"))
        config.faults.dropScanDone = options.flag("drop-done")
        config.faults.disconnectAfterDataFrames = options.count("disconnect-after")
        config.faults.removeCartridgeAfterDataFrames = options.count("remove-after")
        config.faults.startScanError = options.text("fault").flatMap { Self.faults[$0] }
        configuration = config
        insertion = options.count("insert-after-ms").map { (.milliseconds($0), options.text("insert") ?? "CRP26A07:004217") }
    }

    func simulator(name: String) throws -> any Transport {
        let simulator = SimulatedLFR(configuration, name: name)
        if let insertion {
            Task {
                try? await Task.sleep(for: insertion.after)
                await simulator.insertCartridge(insertion.cartridge)
            }
        }
        return simulator
    }

    private static func profile(_ options: SimulatorOptions) throws -> LineProfile {
        if let path = options.text("profile") { return try LineProfileFile.read(URL(fileURLWithPath: path)) }
        return SyntheticStrip.crp(ratio: options.number("ratio") ?? 0.35,
                                  controlArea: options.number("control") ?? SyntheticStrip.CRP.controlArea,
                                  seed: UInt64(options.count("seed") ?? 1)).profile()
    }
}
