import PrecisCore

/// The `nps` wire protocol as tables citing `Firmware-Protocols/nps/protocol.md`; control
/// uses the shared frame layer (`SeqFrame`), samples the stream packets of §5.
public enum NPSProtocol {
    /// nps protocol.md §2: the largest control payload.
    public static let maxPayload = 1024
    /// nps protocol.md §3: channels per GET_CALIBRATION.
    public static let calibrationPage = 40
    /// nps protocol.md §5: bytes before the samples of a stream packet.
    public static let streamHeaderSize = 24
    /// nps protocol.md §5: the magic and version.
    public static let streamMagic: (UInt8, UInt8) = (0x4E, 0x50)
    /// nps protocol.md §5.
    public static let streamVersion: UInt8 = 1

    /// Message types, nps protocol.md §3 and §4.
    public enum MessageType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
        case identify = 0x01, getCalibration = 0x02, getRunInfo = 0x03, setBias = 0x04, setMux = 0x05
        case startAcquisition = 0x06, stopAcquisition = 0x07, getStatus = 0x08
        case identity = 0x81, calibration = 0x82, runInfo = 0x83, biasSet = 0x84, muxSet = 0x85
        case acquisitionStarted = 0x86, acquisitionStopped = 0x87, status = 0x88
        case error = 0xE0

        /// The spec's name.
        public var description: String {
            switch self {
            case .identify: "IDENTIFY"
            case .getCalibration: "GET_CALIBRATION"
            case .getRunInfo: "GET_RUN_INFO"
            case .setBias: "SET_BIAS"
            case .setMux: "SET_MUX"
            case .startAcquisition: "START_ACQUISITION"
            case .stopAcquisition: "STOP_ACQUISITION"
            case .getStatus: "GET_STATUS"
            case .identity: "IDENTITY"
            case .calibration: "CALIBRATION"
            case .runInfo: "RUN_INFO"
            case .biasSet: "BIAS_SET"
            case .muxSet: "MUX_SET"
            case .acquisitionStarted: "ACQUISITION_STARTED"
            case .acquisitionStopped: "ACQUISITION_STOPPED"
            case .status: "STATUS"
            case .error: "ERROR"
            }
        }
    }

    /// nps protocol.md §6: code → (name, kind, hint).
    public static let errorCodes: [UInt16: (name: String, kind: ErrorKind, hint: String)] = [
        0x0001: ("UNKNOWN_COMMAND", .protocol, "update the sequencer firmware or Precis"),
        0x0002: ("BAD_PAYLOAD", .protocol, "check the run settings (bias −300…300 mV, mux 0–4)"),
        0x0003: ("BUSY", .busy, "stop the acquisition first"),
        0x0004: ("NO_FLOW_CELL", .deviceFault, "insert a flow cell"),
        0x0005: ("ASIC_FAULT", .deviceFault, "the sequencer needs service (ASIC)"),
        0x0006: ("OVERTEMPERATURE", .deviceFault, "check the sequencer's ventilation; the acquisition stopped"),
        0x0008: ("BAD_FRAME", .protocol, "check the USB cable"),
    ]

    /// An ERROR frame in the shared vocabulary.
    public static func error(_ code: UInt16, _ detail: String, during context: String) -> PrecisError {
        let suffix = detail.isEmpty ? "" : ": \(detail)"
        guard let known = errorCodes[code] else {
            return PrecisError(.deviceFault, "sequencer error 0x\(String(code, radix: 16)) during \(context)\(suffix)")
        }
        return PrecisError(known.kind, "sequencer reported \(known.name) during \(context)\(suffix)", hint: known.hint)
    }
}

/// IDENTITY's fields (nps protocol.md §4).
public struct NPSIdentity: Sendable, Equatable, Codable {
    /// Serial number.
    public var serial: String
    /// Firmware version.
    public var firmware: String
    /// Model.
    public var model: String
    /// The flow cell in the slot.
    public var flowCellID: String
    /// Pore channels.
    public var channels: Int
    /// Samples per second per channel.
    public var sampleRate: Int
    /// Frames in a full stream packet.
    public var framesPerPacket: Int
    /// The lowest ADC code (saturation).
    public var adcMin: Int16
    /// The highest ADC code (saturation).
    public var adcMax: Int16

    /// Makes an identity.
    public init(serial: String, firmware: String, model: String, flowCellID: String, channels: Int, sampleRate: Int,
                framesPerPacket: Int, adcMin: Int16, adcMax: Int16) {
        self.serial = serial
        self.firmware = firmware
        self.model = model
        self.flowCellID = flowCellID
        self.channels = channels
        self.sampleRate = sampleRate
        self.framesPerPacket = framesPerPacket
        self.adcMin = adcMin
        self.adcMax = adcMax
    }
}

/// A stream packet's header (nps protocol.md §5), read in place.
public struct NPSPacketHeader: Sendable, Equatable {
    /// Flags: bit 0 device overflow, bit 1 last packet.
    public var flags: UInt8
    /// Packet counter.
    public var sequence: UInt32
    /// Index of the first frame.
    public var firstSample: UInt64
    /// Channels per frame.
    public var channels: Int
    /// Frames in the packet.
    public var frames: Int

    /// The sequencer's FIFO overflowed before this packet.
    public var deviceOverflow: Bool { flags & 1 != 0 }
    /// The last packet of the acquisition.
    public var isLast: Bool { flags & 2 != 0 }

    /// Makes a header.
    public init(flags: UInt8 = 0, sequence: UInt32, firstSample: UInt64, channels: Int, frames: Int) {
        self.flags = flags
        self.sequence = sequence
        self.firstSample = firstSample
        self.channels = channels
        self.frames = frames
    }

    /// Parses and checks the header of `packet`; nil with a reason when it is corrupt.
    @inline(__always)
    public static func parse(_ packet: UnsafeRawBufferPointer, channels expected: Int) -> Result<NPSPacketHeader, NPSPacketError> {
        guard packet.count >= NPSProtocol.streamHeaderSize else { return .failure(.tooShort(packet.count)) }
        guard packet[0] == NPSProtocol.streamMagic.0, packet[1] == NPSProtocol.streamMagic.1,
              packet[2] == NPSProtocol.streamVersion else { return .failure(.badMagic) }
        let header = NPSPacketHeader(
            flags: packet[3],
            sequence: UInt32(littleEndian: packet.loadUnaligned(fromByteOffset: 4, as: UInt32.self)),
            firstSample: UInt64(littleEndian: packet.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
            channels: Int(UInt16(littleEndian: packet.loadUnaligned(fromByteOffset: 16, as: UInt16.self))),
            frames: Int(UInt16(littleEndian: packet.loadUnaligned(fromByteOffset: 18, as: UInt16.self))))
        guard header.channels == expected else { return .failure(.channelCount(header.channels)) }
        guard packet.count == NPSProtocol.streamHeaderSize + 2 * header.channels * header.frames else {
            return .failure(.length(packet.count, NPSProtocol.streamHeaderSize + 2 * header.channels * header.frames))
        }
        return .success(header)
    }

    /// Writes the header into the first 24 bytes of `packet`.
    public func write(into packet: UnsafeMutableRawBufferPointer) {
        packet[0] = NPSProtocol.streamMagic.0
        packet[1] = NPSProtocol.streamMagic.1
        packet[2] = NPSProtocol.streamVersion
        packet[3] = flags
        packet.storeBytes(of: sequence.littleEndian, toByteOffset: 4, as: UInt32.self)
        packet.storeBytes(of: firstSample.littleEndian, toByteOffset: 8, as: UInt64.self)
        packet.storeBytes(of: UInt16(channels).littleEndian, toByteOffset: 16, as: UInt16.self)
        packet.storeBytes(of: UInt16(frames).littleEndian, toByteOffset: 18, as: UInt16.self)
        packet.storeBytes(of: UInt32(0), toByteOffset: 20, as: UInt32.self)
    }
}

/// Why a stream packet was discarded (nps protocol.md §5).
public enum NPSPacketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Shorter than a header.
    case tooShort(Int)
    /// Wrong magic or version.
    case badMagic
    /// Not the channel count of IDENTITY.
    case channelCount(Int)
    /// Length and header disagree.
    case length(Int, Int)

    /// What was wrong.
    public var description: String {
        switch self {
        case .tooShort(let n): "a \(n)-byte packet is shorter than the 24-byte header"
        case .badMagic: "wrong magic or version"
        case .channelCount(let n): "\(n) channels, not the sequencer's count"
        case .length(let got, let want): "\(got) bytes where the header says \(want)"
        }
    }
}

/// The NPS stream's packets for the generic pipeline (protocol.md §6): a 20-byte header
/// checked by `NPSPacketHeader.parse`, then the samples.
public struct NPSStreamDecoder: StreamPacketDecoder {
    /// The channels every packet must carry.
    public let channels: Int
    public init(channels: Int) { self.channels = channels }
    public var headerSize: Int { NPSProtocol.streamHeaderSize }

    @inline(__always)
    public func header(_ packet: UnsafeRawBufferPointer) -> StreamPacketHeader? {
        guard case .success(let h) = NPSPacketHeader.parse(packet, channels: channels) else { return nil }
        return StreamPacketHeader(sequence: h.sequence, firstSample: h.firstSample, frames: h.frames, isLast: h.isLast,
                                  payloadOffset: NPSProtocol.streamHeaderSize)
    }
}
