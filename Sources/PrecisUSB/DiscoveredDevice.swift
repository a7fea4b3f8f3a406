import PrecisCore

/// An instrument found on the system through udev.
public struct DiscoveredDevice: Sendable, Codable, Equatable {
    /// The family whose USB ids it carries.
    public var family: DeviceFamily
    /// `usb` (bulk endpoints through libusb) or `serial` (a tty).
    public var kind: String
    /// Its serial number (udev's `serial` attribute / ID_SERIAL_SHORT); empty when it has none.
    public var serial: String
    /// USB vendor id.
    public var vendorID: UInt16
    /// USB product id.
    public var productID: UInt16
    /// USB bus number.
    public var busNumber: Int
    /// USB device address on the bus.
    public var deviceAddress: Int
    /// The port path on the bus, as sysfs names it: `1-4.2`.
    public var busPath: String
    /// The device node: `/dev/bus/usb/001/004` or `/dev/ttyACM0`.
    public var devnode: String
    /// The sysfs path, udev's key for the device.
    public var syspath: String
    /// Whether this process may open the device node for reading and writing.
    public var accessible: Bool

    /// The address to give `--device`: `usb:<serial>`, or `usb:<bus path>` when it has no serial.
    public var address: String { "usb:" + (serial.isEmpty ? busPath : serial) }
}

/// A device arriving or leaving.
public enum DeviceEvent: Sendable, Equatable {
    /// An instrument was plugged in.
    case arrived(DiscoveredDevice)
    /// An instrument was unplugged (as last seen).
    case departed(DiscoveredDevice)
}
