import CUdev
import Foundation
import PrecisCore

/// Finds instruments through libudev: an enumeration of the `usb` and `tty` subsystems now,
/// and a monitor of add and remove events after. Devices are matched to families by the
/// table of descriptions the caller hands over (PrecisRuntime's family registry, generated
/// from every `Firmware-Protocols/*/device.json`); this module knows no family itself.
public enum UdevDiscovery {
    /// The libudev version, from its pkg-config file (libudev has no runtime version call).
    public static var libudevVersion: String {
        (try? String(contentsOfFile: "/usr/lib/x86_64-linux-gnu/pkgconfig/libudev.pc", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("Version:") }
            .map { $0.dropFirst(8).trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }

    /// Every instrument present now that one of `descriptions` matches.
    public static func enumerate(matching descriptions: [DeviceDescription]) throws -> [DiscoveredDevice] {
        guard let udev = udev_new() else { throw PrecisError(.other, "libudev could not start") }
        defer { udev_unref(udev) }
        guard let enumerator = udev_enumerate_new(udev) else { throw PrecisError(.other, "libudev could not enumerate") }
        defer { udev_enumerate_unref(enumerator) }
        udev_enumerate_add_match_subsystem(enumerator, "usb")
        udev_enumerate_add_match_subsystem(enumerator, "tty")
        udev_enumerate_scan_devices(enumerator)
        var found: [DiscoveredDevice] = []
        var entry = udev_enumerate_get_list_entry(enumerator)
        while let current = entry {
            if let path = udev_list_entry_get_name(current), let device = udev_device_new_from_syspath(udev, path) {
                if let instrument = describe(device, matching: descriptions) { found.append(instrument) }
                udev_device_unref(device)
            }
            entry = udev_list_entry_get_next(current)
        }
        return found.sorted { ($0.family.name, $0.busPath) < ($1.family.name, $1.busPath) }
    }

    /// The instrument a udev device is, or nil when none of `descriptions` matches it.
    static func describe(_ device: OpaquePointer, matching descriptions: [DeviceDescription]) -> DiscoveredDevice? {
        let subsystem = string(udev_device_get_subsystem(device))
        let usb: OpaquePointer?
        switch subsystem {
        case "usb" where string(udev_device_get_devtype(device)) == "usb_device": usb = device
        case "tty": usb = udev_device_get_parent_with_subsystem_devtype(device, "usb", "usb_device")
        default: return nil
        }
        guard let usb, let vid = UInt16(attribute(usb, "idVendor"), radix: 16),
              let pid = UInt16(attribute(usb, "idProduct"), radix: 16),
              let match = descriptions.first(where: { $0.matches(vendorID: vid, productID: pid, product: attribute(usb, "product")) })
        else { return nil }
        let wantsTTY = match.connection == .serial
        guard wantsTTY == (subsystem == "tty") else { return nil }
        guard let node = udev_device_get_devnode(device).map(String.init(cString:)) else { return nil }
        let serial = attribute(usb, "serial").isEmpty ? property(usb, "ID_SERIAL_SHORT") : attribute(usb, "serial")
        return DiscoveredDevice(
            family: match.family, kind: wantsTTY ? "serial" : "usb", serial: serial, vendorID: vid, productID: pid,
            busNumber: Int(attribute(usb, "busnum")) ?? 0, deviceAddress: Int(attribute(usb, "devnum")) ?? 0,
            busPath: string(udev_device_get_sysname(usb)), devnode: node,
            syspath: string(udev_device_get_syspath(device)), accessible: access(node, R_OK | W_OK) == 0)
    }

    static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    static func attribute(_ device: OpaquePointer, _ name: String) -> String {
        string(udev_device_get_sysattr_value(device, name)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func property(_ device: OpaquePointer, _ name: String) -> String {
        string(udev_device_get_property_value(device, name))
    }
}
