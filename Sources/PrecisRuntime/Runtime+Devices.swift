import Foundation
import PrecisCore
import PrecisUSB

/// Instruments arriving and leaving, as `devices --watch` and the kiosk show them.
public final class DeviceWatcher: Sendable {
    /// One change: an instrument arrived or departed.
    public struct Change: Sendable {
        /// True for an arrival.
        public let arrived: Bool
        /// The instrument, as listed.
        public let device: DeviceListing
    }

    /// The changes as they happen.
    public let changes: AsyncStream<Change>
    private let monitor: UdevMonitor
    private let task: Task<Void, Never>

    init(monitor: UdevMonitor) {
        self.monitor = monitor
        let (changes, sink) = AsyncStream.makeStream(of: Change.self)
        self.changes = changes
        task = Task {
            for await event in monitor.events {
                switch event {
                case .arrived(let d): sink.yield(Change(arrived: true, device: Runtime.listing(d)))
                case .departed(let d): sink.yield(Change(arrived: false, device: Runtime.listing(d)))
                }
            }
            sink.finish()
        }
    }

    /// Stops watching; the stream ends.
    public func stop() {
        monitor.stop()
    }
}

extension Runtime {
    /// Starts following instruments as they are plugged in and out.
    public static func watchDevices() throws -> DeviceWatcher {
        let devices = FamilyRegistry.devices
        return DeviceWatcher(monitor: try UdevMonitor(matching: devices, present: (try? UdevDiscovery.enumerate(matching: devices)) ?? []))
    }
}
