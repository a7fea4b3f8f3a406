import Foundation
import PrecisCore
import PrecisDrivers
import PrecisReplay

/// A driver over the transport an address names.
struct InstrumentSession: Sendable {
    let driver: LFRDriver
    let endpoint: String
}

/// Turns device addresses into drivers over the right transport.
enum Instruments {
    /// Connects to `address` for an assay of `family`.
    static func connect(_ address: DeviceAddress, family: DeviceFamily) throws -> InstrumentSession {
        let transport: any Transport
        switch address.scheme {
        case "sim":
            let simulator = try SimulatorSetup.transport(address)
            guard address.target == family.name else {
                throw PrecisError(.input, "the assay runs on \(family) devices, \(address) is a \(address.target) device")
            }
            transport = simulator
        case "replay":
            transport = try ReplayTransport(contentsOf: URL(fileURLWithPath: address.target))
        default:
            throw PrecisError(.input, "USB instruments are not supported by this build yet (\(address))",
                              hint: "use sim:lfr or replay:FILE")
        }
        guard family == LFRDriver.family else {
            throw PrecisError(.input, "no driver runs assays on \(family) devices yet")
        }
        return InstrumentSession(driver: LFRDriver(transport: transport), endpoint: address.description)
    }
}
