/// How one instrument model presents itself on USB, as its family's
/// `Firmware-Protocols/<family>/device.json` says: its ids, how it is driven (bulk endpoints
/// or a serial port) and, for bulk devices, its endpoints. Precis never writes these in Swift:
/// the table is generated from the device.json files at build time (`DeviceTableGenerator`),
/// and discovery matches devices against the table it is handed.
public struct DeviceDescription: Sendable, Equatable, CustomStringConvertible {
    /// How an instrument presents itself to the host (device.json `transport`).
    public enum Connection: String, Sendable, Equatable {
        /// Vendor-specific bulk endpoints, driven through libusb.
        case usbBulk = "usb-bulk"
        /// A serial port (`/dev/ttyACM*`, `/dev/ttyUSB*`), driven through termios.
        case serial
    }

    /// The family whose protocol it speaks.
    public var family: DeviceFamily
    /// What the family is, for lists (device.json `name`).
    public var name: String
    /// The model, for families describing several (device.json `devices[].model`).
    public var model: String?
    /// USB vendor id.
    public var vendorID: UInt16
    /// USB product id.
    public var productID: UInt16
    /// The USB product string that must match too, for ids shared with other devices (an FTDI chip's defaults).
    public var product: String?
    /// Bulk endpoints or a serial port.
    public var connection: Connection
    /// The serial port's baud rate (`.serial`).
    public var baudRate: Int?
    /// The interface to claim (`.usbBulk`).
    public var interface: Int?
    /// The bulk OUT endpoint (`.usbBulk`).
    public var endpointOut: UInt8?
    /// The bulk IN endpoint (`.usbBulk`).
    public var endpointIn: UInt8?
    /// A streaming bulk-IN endpoint besides the control pair (device.json `endpointStream`).
    public var endpointStream: UInt8?
    /// The bulk endpoints' packet size (`.usbBulk`).
    public var maxPacketSize: Int?

    /// Makes a description (the generated table does; tests may too).
    public init(family: DeviceFamily, name: String, model: String? = nil, vendorID: UInt16, productID: UInt16,
                product: String? = nil, connection: Connection, baudRate: Int? = nil, interface: Int? = nil,
                endpointOut: UInt8? = nil, endpointIn: UInt8? = nil, endpointStream: UInt8? = nil, maxPacketSize: Int? = nil) {
        self.family = family
        self.name = name
        self.model = model
        self.vendorID = vendorID
        self.productID = productID
        self.product = product
        self.connection = connection
        self.baudRate = baudRate
        self.interface = interface
        self.endpointOut = endpointOut
        self.endpointIn = endpointIn
        self.endpointStream = endpointStream
        self.maxPacketSize = maxPacketSize
    }

    /// Whether a device with these ids (and product string) is this one.
    public func matches(vendorID: UInt16, productID: UInt16, product: String?) -> Bool {
        self.vendorID == vendorID && self.productID == productID && (self.product == nil || self.product == product)
    }

    /// `lfr 1209:4c46`, for messages.
    public var description: String { "\(family) \(Self.hex(vendorID)):\(Self.hex(productID))" }

    /// Four lower-case hex digits, as udev and lsusb write an id.
    public static func hex(_ id: UInt16) -> String {
        let digits = String(id, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
