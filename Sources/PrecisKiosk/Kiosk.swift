import Foundation
import Logging
import PrecisCore
import PrecisRuntime
import PrecisStore

/// The headless kiosk: the touchscreen page, the `/api/v1` HTTP API, server-sent events and
/// `/metrics` over one runtime, run as a service (`precis kiosk`). It owns the runs it starts,
/// the operators' sessions and the live device list; everything else it asks the runtime.
public final class Kiosk: Sendable {
    /// The runtime every request goes through.
    public let runtime: Runtime
    /// How the service is set up.
    public let configuration: KioskConfiguration
    /// The operators over the store.
    public let operators: Operators
    let sessions: SessionTable
    let hub = EventHub()
    let metrics = KioskMetrics()
    let views = ViewCache()
    let runs: ActiveRuns
    let devices = DeviceBoard()
    let listening = Flag()
    let logger: Logger

    /// A kiosk over `runtime`.
    public init(runtime: Runtime, configuration: KioskConfiguration = KioskConfiguration(),
                logger: Logger = Logger(label: "precis.kiosk")) {
        self.runtime = runtime
        self.configuration = configuration
        self.logger = logger
        operators = Operators(store: runtime.store, configuration: configuration, clock: runtime.clock)
        sessions = SessionTable(configuration: configuration, clock: runtime.clock)
        runs = ActiveRuns(runtime: runtime, hub: hub, metrics: metrics)
    }

    /// Whether the kiosk offers this instrument: a real one always, a simulator or a replayed
    /// trace only in training mode.
    func offers(_ device: DeviceListing) -> Bool {
        configuration.training || (try? DeviceAddress(device.address))?.scheme.isTraining == false
    }

    /// Refuses (403) a `sim:` or `replay:` address outside training mode, before anything is opened.
    func checkOffered(_ address: DeviceAddress) throws {
        guard address.scheme.isTraining, !configuration.training else { return }
        throw APIError(403, "\(address.scheme.rawValue): instruments are simulated or replayed and are offered only in training mode "
                       + "(precis kiosk --training); use a connected instrument (GET /api/v1/devices)")
    }
}

/// The instruments the page lists: the simulators and USB instruments found at start,
/// then kept current by udev arrivals and departures.
final class DeviceBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [DeviceListing] = []

    /// The instruments now, by address.
    var current: [DeviceListing] { lock.withLock { list } }

    /// Replaces the whole list.
    func set(_ devices: [DeviceListing]) { lock.withLock { list = devices } }

    /// Adds or removes one instrument.
    func apply(arrived: Bool, _ device: DeviceListing) {
        lock.withLock {
            list.removeAll { $0.address == device.address }
            if arrived { list.append(device) }
        }
    }
}

/// A flag set once (the server is listening).
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    /// Whether it is set.
    var isSet: Bool { lock.withLock { value } }
    /// Sets it.
    func set() { lock.withLock { value = true } }
}

/// A change to the instrument list, as the `devices` event sends it.
struct DeviceChange: Codable, Sendable {
    /// `arrived` or `departed`.
    var change: String
    /// The instrument.
    var device: DeviceListing
    /// The whole list after the change.
    var devices: [DeviceListing]
}
