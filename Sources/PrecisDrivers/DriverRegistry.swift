import PrecisCore

/// One device family as the rest of Precis sees it: how to recognise it on USB and how to
/// make its driver. Every family is listed once, in `DriverRegistry.families`.
public struct DriverRegistration: Sendable {
    /// The family.
    public let family: DeviceFamily
    /// What the family is, for lists.
    public let displayName: String
    /// USB vendor id (Firmware-Protocols/<family>/device.json).
    public let usbVendorID: UInt16
    /// USB product id (device.json).
    public let usbProductID: UInt16
    /// Makes the family's driver over a transport.
    public let makeDriver: @Sendable (any Transport) -> any Driver
    /// How the instrument presents itself on USB: bulk endpoints, or a serial port (CDC-ACM, FTDI).
    public var connection: Connection = .usbBulk
    /// The serial port's baud rate, for `.serial` families.
    public var baudRate: Int = 115_200
    /// The USB product string that must match too, for ids shared with other devices
    /// (an FTDI chip's default ids, for one).
    public var usbProduct: String?
    /// A streaming bulk-IN endpoint besides the control pair (device.json `endpointStream`).
    public var streamEndpoint: UInt8?

    /// How an instrument presents itself to the host.
    public enum Connection: String, Sendable {
        /// Vendor-specific bulk endpoints, driven through libusb.
        case usbBulk = "usb-bulk"
        /// A serial port (`/dev/ttyACM*`, `/dev/ttyUSB*`), driven through termios.
        case serial
    }
}

/// Every device family Precis drives.
public enum DriverRegistry {
    /// The families, in the order lists show them.
    public static let families: [DriverRegistration] = [
        DriverRegistration(family: LFRDriver.family, displayName: "Lateral-flow reflectance reader",
                           usbVendorID: 0x1209, usbProductID: 0x4C46,
                           makeDriver: { LFRDriver(transport: $0) }),
        DriverRegistration(family: QPCRDriver.family, displayName: "96-well real-time PCR cycler",
                           usbVendorID: 0x1209, usbProductID: 0x5150,
                           makeDriver: { QPCRDriver(transport: $0) }),
        DriverRegistration(family: NPSDriver.family, displayName: "Nanopore sequencer (raw current)",
                           usbVendorID: 0x1209, usbProductID: 0x5160,
                           makeDriver: { NPSDriver(transport: $0) }, streamEndpoint: 0x82),
        DriverRegistration(family: MethodSCRIPTDriver.family, displayName: "PalmSens EmStat Pico potentiostat (MethodSCRIPT)",
                           usbVendorID: 0x0403, usbProductID: 0x6015, makeDriver: { MethodSCRIPTDriver(transport: $0) },
                           connection: .serial, baudRate: 230_400, usbProduct: "ESPicoDev"),
    ]

    /// The registration of `family`, or nil.
    public static func registration(for family: DeviceFamily) -> DriverRegistration? {
        families.first { $0.family == family }
    }

    /// The registration whose USB ids (and product string, where it asks for one) match, or nil.
    public static func registration(vendorID: UInt16, productID: UInt16, product: String? = nil) -> DriverRegistration? {
        families.first {
            $0.usbVendorID == vendorID && $0.usbProductID == productID && ($0.usbProduct == nil || $0.usbProduct == product)
        }
    }
}
