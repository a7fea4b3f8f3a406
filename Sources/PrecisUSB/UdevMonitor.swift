import CUdev
import Foundation
import PrecisCore

/// Watches udev for instruments arriving and leaving, on a thread of its own, and delivers
/// the events in order. A departure is reported with what was known when the device arrived
/// (its attributes are gone by then). Stop it with `stop()` or by ending the stream's use.
public final class UdevMonitor: @unchecked Sendable {
    /// The events, as they happen.
    public let events: AsyncStream<DeviceEvent>
    private let sink: AsyncStream<DeviceEvent>.Continuation
    private let lock = NSLock()
    private var running = true
    private var known: [String: DiscoveredDevice] = [:]
    private var thread: Thread?
    private let descriptions: [DeviceDescription]

    /// Starts watching for devices that one of `descriptions` matches; `present` seeds what is
    /// already plugged in, so its departures are named.
    public init(matching descriptions: [DeviceDescription], present: [DiscoveredDevice] = []) throws {
        self.descriptions = descriptions
        (events, sink) = AsyncStream.makeStream(of: DeviceEvent.self)
        for device in present { known[device.syspath] = device }
        guard let udev = udev_new() else { throw PrecisError(.other, "libudev could not start") }
        guard let monitor = udev_monitor_new_from_netlink(udev, "udev") else {
            udev_unref(udev)
            throw PrecisError(.other, "cannot listen to udev events (netlink refused)")
        }
        udev_monitor_filter_add_match_subsystem_devtype(monitor, "usb", "usb_device")
        udev_monitor_filter_add_match_subsystem_devtype(monitor, "tty", nil)
        udev_monitor_enable_receiving(monitor)
        let handles = Handles(udev: udev, monitor: monitor)
        let worker = Thread { [weak self] in
            self?.loop(udev: handles.udev, monitor: handles.monitor)
            udev_monitor_unref(handles.monitor)
            udev_unref(handles.udev)
        }
        worker.name = "precis.udev-monitor"
        thread = worker
        sink.onTermination = { [weak self] _ in self?.stop() }
        worker.start()
    }

    /// Stops watching and ends the stream.
    public func stop() {
        lock.withLock { running = false }
    }

    /// The libudev handles, owned by the monitor thread once it starts.
    private struct Handles: @unchecked Sendable {
        let udev: OpaquePointer
        let monitor: OpaquePointer
    }

    private var isRunning: Bool { lock.withLock { running } }

    private func loop(udev: OpaquePointer, monitor: OpaquePointer) {
        let fd = udev_monitor_get_fd(monitor)
        while isRunning {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0, let device = udev_monitor_receive_device(monitor) else { continue }
            handle(action: UdevDiscovery.string(udev_device_get_action(device)), device: device)
            udev_device_unref(device)
        }
        sink.finish()
    }

    private func handle(action: String, device: OpaquePointer) {
        let syspath = UdevDiscovery.string(udev_device_get_syspath(device))
        switch action {
        case "add", "bind":
            guard let found = UdevDiscovery.describe(device, matching: descriptions) else { return }
            let isNew = lock.withLock { () -> Bool in
                defer { known[syspath] = found }
                return known[syspath] == nil
            }
            if isNew { sink.yield(.arrived(found)) }
        case "remove":
            if let gone = lock.withLock({ known.removeValue(forKey: syspath) }) { sink.yield(.departed(gone)) }
        default:
            break
        }
    }
}
