import PrecisCore

/// How a model's spectrum reply is laid out (obp protocol.md §8).
public enum OBPSpectrumFormat: String, Sendable, CaseIterable {
    /// pixels × u16.
    case u16 = "u16"
    /// 32 bytes of metadata, then pixels × u16.
    case u16WithMetadata = "u16+meta"
    /// 32 bytes of metadata, then pixels × u32.
    case u32WithMetadata = "u32+meta"

    /// obp protocol.md §8: the metadata before the counts.
    public var metadataSize: Int { self == .u16 ? 0 : 32 }
    /// Bytes per pixel count.
    public var bytesPerPixel: Int { self == .u32WithMetadata ? 4 : 2 }
    /// The reply's length for `pixels` pixels.
    public func length(pixels: Int) -> Int { metadataSize + bytesPerPixel * pixels }
}

/// One spectrometer model: what the driver needs to know that the device does not say
/// (obp protocol.md §8). Named as its `device.json` entry names it (`devices[].model`), where
/// its USB ids are; the runtime picks the model by the description an instrument matched.
public struct OBPModel: Sendable, Equatable, CustomStringConvertible {
    /// The model's name, as `device.json` spells it: `STS`, `Ocean ST`.
    public var name: String
    /// The protocol generation it speaks.
    public var version: OBPProtocolVersion
    /// Pixels in a spectrum.
    public var pixels: Int
    /// How its spectrum reply is laid out.
    public var spectrumFormat: OBPSpectrumFormat
    /// The detector's largest count: a pixel at it is saturated.
    public var maxCount: UInt32
    /// The shortest and longest integration times it takes, µs, inclusive.
    public var integrationMicroseconds: ClosedRange<Int>
    /// The integration time's step, µs: the wire carries µs ÷ step (obp protocol.md §6).
    public var integrationStepMicroseconds: Int
    /// Its electric-dark pixels (masked from light), 0-based.
    public var darkPixels: [Int]

    /// Makes a model (the table below; tests may make others).
    public init(name: String, version: OBPProtocolVersion, pixels: Int, spectrumFormat: OBPSpectrumFormat, maxCount: UInt32,
                integrationMicroseconds: ClosedRange<Int>, integrationStepMicroseconds: Int = 1, darkPixels: [Int] = []) {
        self.name = name
        self.version = version
        self.pixels = pixels
        self.spectrumFormat = spectrumFormat
        self.maxCount = maxCount
        self.integrationMicroseconds = integrationMicroseconds
        self.integrationStepMicroseconds = integrationStepMicroseconds
        self.darkPixels = darkPixels
    }

    /// The name.
    public var description: String { name }

    /// The request that reads a spectrum on this model (obp protocol.md §5, §6).
    public var spectrumRequest: OBPMessageType {
        switch (version, spectrumFormat) {
        case (.v2, _): .getSpectrum2
        case (.v1, .u32WithMetadata): .getBufferedSpectrum32WithMetadata
        case (.v1, _): .getRawSpectrumNow
        }
    }

    /// Whether the device averages scans itself (protocol 0x1100) or the host must (obp protocol.md §6).
    public var averagesOnDevice: Bool { version == .v1 }

    /// obp protocol.md §8, the table, row by row.
    public static let sts = OBPModel(name: "STS", version: .v1, pixels: 1024, spectrumFormat: .u16, maxCount: 16_383,
                                     integrationMicroseconds: 10...85_000_000)
    /// obp protocol.md §8.
    public static let qePro = OBPModel(name: "QE Pro", version: .v1, pixels: 1044, spectrumFormat: .u32WithMetadata,
                                       maxCount: 262_143, integrationMicroseconds: 8_000...1_600_000_000,
                                       darkPixels: Array(0..<4) + Array(1040..<1044))
    /// obp protocol.md §8.
    public static let oceanST = OBPModel(name: "Ocean ST", version: .v2, pixels: 1516, spectrumFormat: .u16WithMetadata,
                                         maxCount: 16_383, integrationMicroseconds: 1_560...6_000_000, integrationStepMicroseconds: 10,
                                         darkPixels: Array(1503..<1516))
    /// obp protocol.md §8.
    public static let oceanSR2 = OBPModel(name: "Ocean SR2", version: .v2, pixels: 2110, spectrumFormat: .u16WithMetadata,
                                          maxCount: 65_535, integrationMicroseconds: 1...2_000_000, darkPixels: Array(0..<24))
    /// obp protocol.md §8.
    public static let oceanSR4 = OBPModel(name: "Ocean SR4", version: .v2, pixels: 3648, spectrumFormat: .u16WithMetadata,
                                          maxCount: 65_535, integrationMicroseconds: 3_800...10_000_000)
    /// obp protocol.md §8.
    public static let oceanSR6 = OBPModel(name: "Ocean SR6", version: .v2, pixels: 2048, spectrumFormat: .u16WithMetadata,
                                          maxCount: 65_535, integrationMicroseconds: 7_200...5_000_000)
    /// obp protocol.md §8.
    public static let oceanHR2 = OBPModel(name: "Ocean HR2", version: .v2, pixels: 2110, spectrumFormat: .u16WithMetadata,
                                          maxCount: 65_535, integrationMicroseconds: 1...2_000_000)
    /// obp protocol.md §8.
    public static let oceanHR4 = OBPModel(name: "Ocean HR4", version: .v2, pixels: 3648, spectrumFormat: .u16WithMetadata,
                                          maxCount: 65_535, integrationMicroseconds: 3_800...10_000_000)
    /// obp protocol.md §8.
    public static let oceanHR6 = OBPModel(name: "Ocean HR6", version: .v2, pixels: 2048, spectrumFormat: .u16WithMetadata,
                                          maxCount: 65_535, integrationMicroseconds: 7_200...5_000_000)

    /// Every model Precis drives, in the order of obp protocol.md §8.
    public static let all: [OBPModel] = [.sts, .qePro, .oceanST, .oceanSR2, .oceanSR4, .oceanSR6, .oceanHR2, .oceanHR4, .oceanHR6]

    /// The model `device.json` names `name` (a `DeviceDescription`'s `model`), or nil.
    public static func named(_ name: String) -> OBPModel? { all.first { $0.name == name } }

    /// The wire value of an integration time, or an `.input` error naming the model's limits
    /// when it is outside them or between two steps (obp protocol.md §8).
    public func integrationWireValue(microseconds: Int) throws -> UInt32 {
        guard integrationMicroseconds.contains(microseconds) else {
            throw PrecisError(.input, "the \(name) integrates for \(integrationMicroseconds.lowerBound)–\(integrationMicroseconds.upperBound) µs, "
                              + "not \(microseconds) µs")
        }
        guard microseconds % integrationStepMicroseconds == 0 else {
            throw PrecisError(.input, "the \(name) sets its integration time in steps of \(integrationStepMicroseconds) µs; "
                              + "\(microseconds) µs is between two")
        }
        return UInt32(microseconds / integrationStepMicroseconds)
    }
}
