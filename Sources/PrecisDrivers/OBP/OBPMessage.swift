import PrecisCore

/// One OBP message, either way (obp protocol.md §2): the header's fields and the data, which
/// travels as immediate data when it is 16 bytes or fewer and as the payload otherwise.
public struct OBPMessage: Sendable, Equatable, CustomStringConvertible {
    /// The header's `protocol_version` (0x1100 or 0x2000 from a device Precis drives).
    public var protocolVersion: UInt16
    /// The header's flags.
    public var flags: OBPFlags
    /// The header's `error`: why a NACK or an exception (obp protocol.md §4).
    public var errorCode: UInt16
    /// The header's `message_type` (`OBPMessageType` for the ones Precis knows).
    public var messageType: UInt32
    /// The header's `regarding`.
    public var regarding: UInt32
    /// How the message is checksummed.
    public var checksumType: OBPChecksumType
    /// The immediate data or the payload, whichever carried it.
    public var data: [UInt8]

    /// Makes a message.
    public init(protocolVersion: UInt16, flags: OBPFlags = [], errorCode: UInt16 = 0, messageType: UInt32, regarding: UInt32 = 0,
                checksumType: OBPChecksumType = .none, data: [UInt8] = []) {
        self.protocolVersion = protocolVersion
        self.flags = flags
        self.errorCode = errorCode
        self.messageType = messageType
        self.regarding = regarding
        self.checksumType = checksumType
        self.data = data
    }

    /// A request as Precis sends it (obp protocol.md §3): regarding 0, no checksum, and an ACK
    /// asked for when it sets something, so that every request has one answer.
    public static func request(_ type: OBPMessageType, data: [UInt8] = [], version: OBPProtocolVersion) -> OBPMessage {
        OBPMessage(protocolVersion: version.rawValue, flags: type.isSet ? .ackRequested : [], messageType: type.rawValue, data: data)
    }

    /// `GET_SERIAL_NUMBER` (flags 0x0004, error 0, 8 bytes), for logs.
    public var description: String {
        "\(OBPMessageType.name(messageType)) (flags 0x\(String(flags.rawValue, radix: 16)), error \(errorCode), \(data.count) bytes)"
    }

    /// Whether its data travels as immediate data (obp protocol.md §2).
    public var isImmediate: Bool { data.count <= OBPProtocol.maxImmediate }

    /// The bytes on the wire (obp protocol.md §2, §2.1).
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.raw(OBPProtocol.startBytes)
        w.u16(protocolVersion)
        w.u16(flags.rawValue)
        w.u16(errorCode)
        w.u32(messageType)
        w.u32(regarding)
        w.raw([UInt8](repeating: 0, count: 6))
        w.u8(checksumType.rawValue)
        let immediate = isImmediate ? data : []
        w.u8(UInt8(immediate.count))
        w.raw(immediate)
        w.raw([UInt8](repeating: 0, count: OBPProtocol.maxImmediate - immediate.count))
        let payload = isImmediate ? [] : data
        w.u32(UInt32(payload.count + OBPProtocol.trailerSize))
        w.raw(payload)
        var bytes = w.bytes
        switch checksumType {
        case .none: bytes.append(contentsOf: [UInt8](repeating: 0, count: OBPProtocol.checksumSize))
        case .md5: bytes.append(contentsOf: MD5.digest(bytes))
        }
        bytes.append(contentsOf: OBPProtocol.footerBytes)
        return bytes
    }

    /// Whether this is a device's answer to `request`: a message of the same type (obp protocol.md
    /// §3; the RESPONSE flag is not required, as seabreeze does not require it).
    public func answers(_ request: OBPMessage) -> Bool { messageType == request.messageType }
}

/// Reading the data of an answer: little-endian fields, errors naming the request.
extension OBPMessage {
    /// The data as one u8.
    public func u8(_ what: String) throws -> UInt8 { try exactly(1, what).first! }

    /// The data as one u16.
    public func u16(_ what: String) throws -> UInt16 {
        var r = ByteReader(try exactly(2, what), context: what)
        return try r.u16(what)
    }

    /// The data as one f32, widened.
    public func f32(_ what: String) throws -> Double {
        var r = ByteReader(try exactly(4, what), context: what)
        return Double(Float(bitPattern: try r.u32(what)))
    }

    /// The data as f32 values, widened (obp protocol.md §6: a multiple of 4 bytes).
    public func f32s(_ what: String) throws -> [Double] {
        guard data.count % 4 == 0 else {
            throw PrecisError(.protocol, "\(what) holds \(data.count) bytes, not a whole number of 4-byte floats")
        }
        var r = ByteReader(data, context: what)
        return try (0..<data.count / 4).map { _ in Double(Float(bitPattern: try r.u32(what))) }
    }

    /// The data as printable ASCII: up to the first NUL, without trailing spaces.
    public func ascii(_ what: String) throws -> String {
        var text = Array(data.prefix { $0 != 0 })
        while text.last == 0x20 { text.removeLast() }
        guard !text.isEmpty, text.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw PrecisError(.protocol, "\(what) is \(text.isEmpty ? "empty" : "not printable ASCII")")
        }
        return String(decoding: text, as: UTF8.self)
    }

    private func exactly(_ count: Int, _ what: String) throws -> [UInt8] {
        guard data.count == count else {
            throw PrecisError(.protocol, "\(what) holds \(data.count) byte(s), the spec says \(count)")
        }
        return data
    }
}
