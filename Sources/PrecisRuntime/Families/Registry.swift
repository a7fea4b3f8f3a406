import Foundation
import PrecisCore

/// Every device family Precis drives, one line each, in the order lists show them. Each
/// entry is defined in its family's folder (`Families/<Family>/<Family>Family.swift`) and
/// names its driver, its simulator and its procedure; how its instruments present themselves
/// on USB comes from `Firmware-Protocols/<family>/device.json` (the generated
/// `DeviceDescriptions.all`), the one place the ids are written.
enum FamilyRegistry {
    /// The families.
    static let families: [FamilyEntry] = [.lfr, .qpcr, .methodscript, .nps, .obp]

    /// The entry of `family`, or nil.
    static func entry(for family: DeviceFamily) -> FamilyEntry? { families.first { $0.family == family } }

    /// What discovery matches instruments against (handed to PrecisUSB, which knows no family).
    static var devices: [DeviceDescription] { families.flatMap(\.devices) }

    /// What each family's instruments are (`device.json`'s `name`), by family: a FHIR Device's type.
    static var deviceTypes: [String: String] {
        Dictionary(families.compactMap { f in f.devices.first.map { (f.family.name, $0.name) } }, uniquingKeysWith: { a, _ in a })
    }

    /// The description `device` was matched by (its family's, with its ids).
    static func description(of family: DeviceFamily, vendorID: UInt16, productID: UInt16) -> DeviceDescription? {
        entry(for: family)?.devices.first { $0.vendorID == vendorID && $0.productID == productID }
    }

    /// The simulator a `sim:` address names, built from its checked options.
    static func simulator(_ address: DeviceAddress) throws -> any Transport {
        guard let entry = entry(for: DeviceFamily(address.target)) else {
            throw PrecisError(.input, "no simulated '\(address.target)' device",
                              hint: "simulated devices: " + families.map { "sim:\($0.family)" }.joined(separator: ", "))
        }
        return try entry.simulator.make(address)
    }
}

/// One device family as the runtime sees it.
struct FamilyEntry: Sendable {
    /// The family.
    let family: DeviceFamily
    /// Makes the family's driver over a transport (PrecisDrivers/<Family>/), given the device's
    /// model when it is known (`OpenedInstrument.model`; device.json's `devices[].model`).
    let driver: @Sendable (any Transport, _ model: String?) throws -> any Driver
    /// Its simulator and the options it takes.
    let simulator: SimulatorEntry
    /// What a run of one of its assays does; nil for a family no assay runs on (yet).
    let procedure: Procedure?

    /// Its instrument models on USB, from its device.json.
    var devices: [DeviceDescription] { DeviceDescriptions.all.filter { $0.family == family } }

    /// What the family is, for lists (device.json `name`).
    var displayName: String { devices.first?.name ?? family.name }
}

/// What a run of an assay on a family does, from the request to the report: begin a run of
/// its kind, emit events, and complete or abort it (`Runtime+Procedure.swift`).
typealias Procedure = @Sendable (Runtime, RunRequest, AssayDefinition, @escaping @Sendable (RunEvent) -> Void) async throws
    -> RunReport

/// A family's simulator: the options it takes (its `FamilySimulatorOptions` type) and how an
/// address becomes the simulator.
struct SimulatorEntry: Sendable {
    /// Every option it takes.
    let known: [String: SimulatorOption]
    /// The simulator an address names, its options checked and read by the family's type.
    let make: @Sendable (DeviceAddress) throws -> any Transport

    /// The entry of the family whose options are `Options`.
    init<Options: FamilySimulatorOptions>(_: Options.Type) {
        known = Options.known
        make = { address in try Options(SimulatorOptions(address, known: Options.known)).simulator(name: address.description) }
    }

    /// The options whose value is a file to read.
    var fileOptions: Set<String> { Set(known.filter { $0.value == .file }.keys) }
}
