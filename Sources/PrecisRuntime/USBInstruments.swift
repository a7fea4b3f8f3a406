import Foundation
import PrecisCore
import PrecisDrivers
import PrecisUSB

/// Real instruments: `usb:<serial>` or `usb:<bus path>` found through udev, opened through
/// libusb (bulk families) or termios (serial families), and watched while in use so that an
/// unplugged instrument aborts the run at once, naming it.
enum USBInstruments {
    /// An opened instrument.
    struct Opened {
        let transport: any Transport
        let device: DiscoveredDevice
        let stopWatching: @Sendable () -> Void
    }

    /// Finds and opens the instrument `address` names.
    static func open(_ address: DeviceAddress, family: DeviceFamily) throws -> Opened {
        let device = try find(address)
        guard device.family == family else {
            throw PrecisError(.input, "\(address) is a \(device.family) device; the assay runs on \(family) devices")
        }
        guard device.accessible else {
            throw PrecisError(.permission, "no permission to open \(address) (\(device.devnode))", hint: UdevRules.installHint)
        }
        let name = "\(address) (\(device.busPath))"
        let transport: any Transport
        switch device.kind {
        case "serial":
            let baud = DriverRegistry.registration(for: family)?.baudRate ?? 115_200
            transport = try SerialTransport.open(path: device.devnode, baud: baud, name: name)
        default:
            var options = LibUSBTransport.Options()
            if let stream = DriverRegistry.registration(for: family)?.streamEndpoint { options.streamEndpoint = stream }
            transport = try LibUSBTransport.open(bus: device.busNumber, address: device.deviceAddress, name: name, options: options)
        }
        let stop = watch(device, transport: transport, address: address)
        return Opened(transport: transport, device: device, stopWatching: stop)
    }

    /// The instrument `address` names among those plugged in.
    static func find(_ address: DeviceAddress) throws -> DiscoveredDevice {
        let devices = try UdevDiscovery.enumerate()
        if let match = devices.first(where: { $0.serial == address.target || $0.busPath == address.target }) { return match }
        let present = devices.map(\.address).joined(separator: ", ")
        throw PrecisError(.disconnected, "no instrument \(address) is plugged in",
                          hint: present.isEmpty ? "plug it in; `precis devices` lists instruments"
                                                : "plugged in: \(present)")
    }

    /// Watches udev for `device` leaving and fails the transport when it does.
    private static func watch(_ device: DiscoveredDevice, transport: any Transport, address: DeviceAddress) -> @Sendable () -> Void {
        guard let monitor = try? UdevMonitor(present: [device]) else { return {} }
        let usb = transport as? LibUSBTransport
        let task = Task {
            for await event in monitor.events {
                if case .departed(let gone) = event, gone.syspath == device.syspath {
                    usb?.markDisconnected("the \(device.family) instrument \(address) was unplugged")
                    if usb == nil { await transport.close() }
                    return
                }
            }
        }
        return {
            task.cancel()
            monitor.stop()
        }
    }
}
