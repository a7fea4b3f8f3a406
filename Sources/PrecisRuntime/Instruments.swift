import Foundation
import PrecisCore
import PrecisDrivers
import PrecisReplay
import PrecisUSB

/// A driver over the transport an address names, and what watches the device while in use.
struct InstrumentSession: Sendable {
    let driver: LFRDriver
    let endpoint: String
    /// A simulator or a replayed trace: the run is a training run.
    let training: Bool
    /// Stops watching for the device to leave.
    let stopWatching: @Sendable () -> Void

    /// Closes the driver and stops watching.
    func close() async {
        stopWatching()
        await driver.close()
    }
}

/// Turns device addresses into drivers over the right transport.
enum Instruments {
    /// Connects to `address` for an assay of `family`; a `recording` URL wraps the transport
    /// in a RecordingTransport writing a replayable trace there.
    static func connect(_ address: DeviceAddress, family: DeviceFamily, recording: URL? = nil,
                        files: StoreFileGuard) throws -> InstrumentSession {
        guard family == LFRDriver.family else {
            throw PrecisError(.input, "no runtime support for assays on \(family) devices yet")
        }
        let opened = try open(address, family: family, recording: recording, files: files)
        return InstrumentSession(driver: LFRDriver(transport: opened.transport), endpoint: address.description,
                                 training: address.scheme.isTraining, stopWatching: opened.stopWatching)
    }

    /// The transport to `address` for a device of `family` (a simulator, a replayed trace or a
    /// USB instrument), wrapped in a RecordingTransport when `recording` is given, and what
    /// stops watching the device. Every file the address or `recording` names is first checked
    /// against the store's files (`files`), before anything is opened: the one place where
    /// the kiosk's and the command line's device addresses reach a file.
    static func open(_ address: DeviceAddress, family: DeviceFamily, recording: URL? = nil, files: StoreFileGuard) throws
        -> OpenedInstrument {
        try files.admit(address.files + [(recording?.path, "the recording")])
        var stopWatching: @Sendable () -> Void = {}
        var transport: any Transport
        var model: String?
        switch address.scheme {
        case .sim:
            let simulator = try FamilyRegistry.simulator(address)
            guard address.target == family.name else {
                throw PrecisError(.input, "this needs a \(family) device, \(address) is a \(address.target) device")
            }
            transport = simulator
            model = (simulator as? any ModelledTransport)?.model
        case .replay:
            let replay = try ReplayTransport(contentsOf: URL(fileURLWithPath: address.target))
            transport = replay
            model = replay.model
        case .usb:
            let usb = try USBInstruments.open(address, family: family)
            transport = usb.transport
            stopWatching = usb.stopWatching
            model = usb.model
        }
        let device = transport
        if let recording { transport = try RecordingTransport(wrapping: transport, to: recording, family: family, model: model) }
        return OpenedInstrument(transport: transport, device: device, model: model, stopWatching: stopWatching)
    }
}

/// An instrument's transport as a procedure gets it.
struct OpenedInstrument: Sendable {
    /// What the driver talks through (the recording wrapper when the session is recorded).
    let transport: any Transport
    /// The device's own transport, never the recording wrapper: a sequencer's stream endpoint,
    /// or a simulator a procedure drives the simulated operator of.
    let device: any Transport
    /// The model (device.json's `devices[].model`): from the USB ids matched, the simulator or
    /// the trace's header; nil when unknown. A family whose protocol cannot tell its models
    /// apart makes its driver with it (`FamilyEntry.driver`).
    let model: String?
    /// Stops watching for the device to leave.
    let stopWatching: @Sendable () -> Void

    /// The stream endpoint of the device, if it has one (a sequencer's).
    var stream: (any PacketSource)? { device as? any PacketSource }
}
