import PrecisCore

/// The frame layer shared by the Precis-compatible reader families (`Firmware-Protocols/lfr/protocol.md` §2,
/// referenced by the other families' specs): a header of version, type, seq, ref and
/// length, the payload, a CRC-16/CCITT-FALSE, COBS-encoded and 0x00-delimited.
public struct SeqFrame: Sendable, Equatable {
    /// protocol.md §2: the version byte every frame carries.
    public static let version: UInt8 = 1
    /// protocol.md §2: header (6) + CRC (2).
    public static let overhead = 8

    /// The message type byte; its meaning belongs to the family.
    public var type: UInt8
    /// The sender's frame counter.
    public var seq: UInt8
    /// The host command this frame answers, or 0.
    public var ref: UInt8
    /// The message's fields.
    public var payload: [UInt8]

    /// Makes a frame.
    public init(type: UInt8, seq: UInt8, ref: UInt8 = 0, payload: [UInt8] = []) {
        self.type = type
        self.seq = seq
        self.ref = ref
        self.payload = payload
    }

    /// The frame without COBS: header, payload and CRC.
    public var decodedBytes: [UInt8] {
        var bytes: [UInt8] = [Self.version, type, seq, ref, UInt8(payload.count & 0xFF), UInt8(payload.count >> 8)]
        bytes.append(contentsOf: payload)
        let crc = CRC16CCITTFalse.checksum(bytes)
        bytes.append(UInt8(crc >> 8))
        bytes.append(UInt8(crc & 0xFF))
        return bytes
    }

    /// The frame as it goes on the wire: COBS-encoded, then the 0x00 delimiter.
    public func encoded() -> [UInt8] {
        var wire = COBS.encode(decodedBytes)
        wire.append(0)
        return wire
    }
}

/// Why a chunk of the byte stream was discarded, naming the frame.
public struct FrameRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The chunk's ordinal in this decoder's stream (1-based): good and bad chunks both count.
    public var ordinal: Int
    /// How many bytes the chunk had on the wire.
    public var wireBytes: Int
    /// The type byte, when the chunk was long enough to have one.
    public var typeByte: UInt8?
    /// The type's name in the family's spec, when the byte is a known type.
    public var typeName: String?
    /// The seq byte, when the chunk was long enough to have one.
    public var seq: UInt8?
    /// What was wrong.
    public var reason: String

    /// `frame #17 (SCAN_DATA, seq 44, 139 bytes on the wire): CRC mismatch …`
    public var description: String {
        var parts: [String] = []
        if let typeByte { parts.append(typeName ?? "type 0x\(String(typeByte, radix: 16))") }
        if let seq { parts.append("seq \(seq)") }
        parts.append("\(wireBytes) bytes on the wire")
        return "frame #\(ordinal) (\(parts.joined(separator: ", "))): \(reason)"
    }
}

/// The incremental decoder of the frame layer: feed it whatever the transport gave, take
/// out frames and the chunks it discarded. Pure: no I/O, no clock.
public struct SeqFrameDecoder: Sendable {
    /// One output of `step`: a good frame or a discarded chunk.
    public enum Output: Sendable, Equatable {
        /// A frame that passed every check.
        case frame(SeqFrame)
        /// A chunk that failed a check, with the reason.
        case rejected(FrameRejection)
    }

    private var splitter: DelimitedSplitter
    private var ordinal = 0
    private let maxPayload: Int
    private let typeName: @Sendable (UInt8) -> String?

    /// A decoder for frames of at most `maxPayload` payload bytes whose type bytes are those
    /// `typeName` names (any other type is rejected as unknown).
    public init(maxPayload: Int, typeName: @escaping @Sendable (UInt8) -> String?) {
        self.maxPayload = maxPayload
        self.typeName = typeName
        // COBS adds one byte per 254 and one more at the start.
        splitter = DelimitedSplitter(maxChunk: Self.maxEncoded(maxPayload))
    }

    /// The largest encoded frame for `maxPayload`, without its delimiter.
    public static func maxEncoded(_ maxPayload: Int) -> Int {
        let raw = maxPayload + SeqFrame.overhead
        return raw + raw / 254 + 1
    }

    /// Bytes held waiting for a delimiter.
    public var pendingBytes: Int { splitter.pending }

    /// Consumes `bytes` and returns the frames and rejections they completed, in order.
    public mutating func step(_ bytes: [UInt8]) -> [Output] {
        splitter.step(bytes).map { chunk in
            ordinal += 1
            switch chunk {
            case .overflow(let discarded):
                return .rejected(FrameRejection(ordinal: ordinal, wireBytes: discarded + 1, typeByte: nil, typeName: nil,
                    seq: nil, reason: "longer than \(Self.maxEncoded(maxPayload)) bytes without a delimiter"))
            case .chunk(let encoded):
                return decode(encoded)
            }
        }
    }

    private func decode(_ encoded: [UInt8]) -> Output {
        let wire = encoded.count + 1
        guard let raw = COBS.decode(encoded[...]) else {
            return .rejected(FrameRejection(ordinal: ordinal, wireBytes: wire, typeByte: nil, typeName: nil, seq: nil,
                                            reason: "not valid COBS"))
        }
        let typeByte = raw.count > 1 ? raw[1] : nil
        let seq = raw.count > 2 ? raw[2] : nil
        func reject(_ reason: String) -> Output {
            .rejected(FrameRejection(ordinal: ordinal, wireBytes: wire, typeByte: typeByte,
                                     typeName: typeByte.flatMap(typeName), seq: seq, reason: reason))
        }
        guard raw.count >= SeqFrame.overhead else { return reject("only \(raw.count) bytes, a frame has at least 8") }
        let length = Int(raw[4]) | Int(raw[5]) << 8
        guard raw.count == length + SeqFrame.overhead else {
            return reject("length field says \(length) payload bytes, frame holds \(raw.count - SeqFrame.overhead)")
        }
        let stated = UInt16(raw[raw.count - 2]) << 8 | UInt16(raw[raw.count - 1])
        let computed = CRC16CCITTFalse.checksum(raw[0..<(raw.count - 2)])
        guard stated == computed else {
            return reject("CRC mismatch (frame says 0x\(hex4(stated)), computed 0x\(hex4(computed)))")
        }
        guard raw[0] == SeqFrame.version else { return reject("protocol version \(raw[0]), expected 1") }
        guard length <= maxPayload else { return reject("payload of \(length) bytes over the limit of \(maxPayload)") }
        guard typeName(raw[1]) != nil else { return reject("unknown message type 0x\(String(raw[1], radix: 16))") }
        return .frame(SeqFrame(type: raw[1], seq: raw[2], ref: raw[3], payload: Array(raw[6..<(6 + length)])))
    }
}

/// Four upper-case hex digits.
func hex4(_ value: UInt16) -> String {
    let s = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: 4 - s.count) + s
}
