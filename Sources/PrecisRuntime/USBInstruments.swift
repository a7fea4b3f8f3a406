import Foundation
import PrecisCore
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
        /// The model its USB ids name (device.json's `devices[].model`).
        let model: String?
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
        guard let description = FamilyRegistry.description(of: family, vendorID: device.vendorID, productID: device.productID) else {
            throw PrecisError(.input, "\(address) is not a \(family) device Precis knows")
        }
        let name = "\(address) (\(device.busPath))"
        let transport: any Transport
        switch description.connection {
        case .serial:
            transport = try SerialTransport.open(path: device.devnode, baud: description.baudRate ?? 115_200, name: name)
        case .usbBulk:
            var options = LibUSBTransport.Options()
            if let interface = description.interface { options.interface = Int32(interface) }
            if let out = description.endpointOut { options.endpointOut = out }
            if let input = description.endpointIn { options.endpointIn = input }
            options.streamEndpoint = description.endpointStream
            transport = try LibUSBTransport.open(bus: device.busNumber, address: device.deviceAddress, name: name, options: options)
        }
        let stop = watch(device, transport: transport, address: address)
        return Opened(transport: transport, device: device, stopWatching: stop, model: description.model)
    }

    /// The instrument `address` names among those plugged in.
    static func find(_ address: DeviceAddress) throws -> DiscoveredDevice {
        let devices = try UdevDiscovery.enumerate(matching: FamilyRegistry.devices)
        if let match = devices.first(where: { $0.serial == address.target || $0.busPath == address.target }) { return match }
        let present = devices.map(\.address).joined(separator: ", ")
        throw PrecisError(.disconnected, "no instrument \(address) is plugged in",
                          hint: present.isEmpty ? "plug it in; `precis devices` lists instruments"
                                                : "plugged in: \(present)")
    }

    /// Watches udev for `device` leaving and fails the transport when it does.
    private static func watch(_ device: DiscoveredDevice, transport: any Transport, address: DeviceAddress) -> @Sendable () -> Void {
        guard let monitor = try? UdevMonitor(matching: FamilyRegistry.devices, present: [device]) else { return {} }
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
