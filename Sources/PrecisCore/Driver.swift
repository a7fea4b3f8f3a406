/// A device family: one wire protocol, one folder under `Firmware-Protocols/`.
public struct DeviceFamily: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The short lower-case name used in device addresses and folders: `lfr`, `qpcr`, `nps`.
    public var name: String
    /// Makes a family from its short name.
    public init(_ name: String) { self.name = name }
    /// Makes a family from its short name.
    public init(stringLiteral value: String) { self.name = value }
    /// The short name.
    public var description: String { name }
    /// Decodes from the bare name: `"lfr"`.
    public init(from decoder: any Decoder) throws { name = try decoder.singleValueContainer().decode(String.self) }
    /// Encodes as the bare name.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// What an instrument says about itself when asked to identify.
public struct DeviceIdentity: Sendable, Codable, Equatable {
    /// The family whose protocol the device speaks.
    public var family: DeviceFamily
    /// The device's serial number as it reports it.
    public var serial: String
    /// The firmware version string as it reports it.
    public var firmware: String
    /// The id of the optics (or other instrument) calibration loaded in the device.
    public var instrumentCalibrationID: String?
    /// The model name, when the device reports one.
    public var model: String?

    /// Makes an identity.
    public init(family: DeviceFamily, serial: String, firmware: String,
                instrumentCalibrationID: String? = nil, model: String? = nil) {
        self.family = family
        self.serial = serial
        self.firmware = firmware
        self.instrumentCalibrationID = instrumentCalibrationID
        self.model = model
    }

    /// The stable key of an instrument in the store: `family:serial`.
    public var instrumentID: String { "\(family.name):\(serial)" }
}

/// What every driver offers, whatever its family. A driver is made over a transport it is
/// given (the family registry, PrecisRuntime's `Families/Registry.swift`, names how for each
/// family) and never opens one itself. Family-specific acquisition (a strip scan, a thermal
/// run, a current stream) lives on the concrete driver.
public protocol Driver: Actor {
    /// The family this driver speaks.
    static var family: DeviceFamily { get }
    /// Asks the device who it is.
    func identify() async throws -> DeviceIdentity
    /// Stops whatever the device is doing; safe to repeat and safe when idle.
    func abort() async throws
    /// Closes the transport.
    func close() async
}
