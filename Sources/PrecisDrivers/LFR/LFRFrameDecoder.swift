import PrecisCore

/// Why a chunk of the byte stream was discarded, naming the frame (protocol.md §2).
public struct LFRFrameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The chunk's ordinal in this decoder's stream (1-based): good and bad chunks both count.
    public var ordinal: Int
    /// How many bytes the chunk had on the wire.
    public var wireBytes: Int
    /// The type byte, when the chunk was long enough to have one.
    public var typeByte: UInt8?
    /// The seq byte, when the chunk was long enough to have one.
    public var seq: UInt8?
    /// What was wrong.
    public var reason: String

    /// `frame #17 (SCAN_DATA, seq 44, 139 bytes on the wire): CRC mismatch …`
    public var description: String {
        var parts: [String] = []
        if let typeByte {
            parts.append(LFRProtocol.MessageType(rawValue: typeByte)?.description
                         ?? "type 0x\(String(typeByte, radix: 16))")
        }
        if let seq { parts.append("seq \(seq)") }
        parts.append("\(wireBytes) bytes on the wire")
        return "frame #\(ordinal) (\(parts.joined(separator: ", "))): \(reason)"
    }
}

/// The incremental frame decoder (protocol.md §2): feed it whatever the transport gave,
/// take out frames and the chunks it discarded. Pure: no I/O, no clock.
public struct LFRFrameDecoder: Sendable {
    /// One output of `step`: a good frame or a discarded chunk.
    public enum Output: Sendable, Equatable {
        /// A frame that passed every check.
        case frame(LFRFrame)
        /// A chunk that failed a check, with the reason.
        case rejected(LFRFrameError)
    }

    private var splitter = DelimitedSplitter(maxChunk: LFRProtocol.maxEncodedFrame)
    private var ordinal = 0

    /// Makes a decoder at the start of a stream.
    public init() {}

    /// Bytes held waiting for a delimiter.
    public var pendingBytes: Int { splitter.pending }

    /// Consumes `bytes` and returns the frames and rejections they completed, in order.
    public mutating func step(_ bytes: [UInt8]) -> [Output] {
        splitter.step(bytes).map { chunk in
            ordinal += 1
            switch chunk {
            case .overflow(let discarded):
                return .rejected(LFRFrameError(ordinal: ordinal, wireBytes: discarded + 1, typeByte: nil, seq: nil,
                    reason: "longer than \(LFRProtocol.maxEncodedFrame) bytes without a delimiter"))
            case .chunk(let encoded):
                return Self.decode(encoded, ordinal: ordinal)
            }
        }
    }

    /// Decodes one chunk (COBS, header, length, CRC).
    static func decode(_ encoded: [UInt8], ordinal: Int) -> Output {
        let wire = encoded.count + 1
        guard let raw = COBS.decode(encoded[...]) else {
            return .rejected(LFRFrameError(ordinal: ordinal, wireBytes: wire, typeByte: nil, seq: nil,
                                           reason: "not valid COBS"))
        }
        let typeByte = raw.count > 1 ? raw[1] : nil
        let seq = raw.count > 2 ? raw[2] : nil
        func reject(_ reason: String) -> Output {
            .rejected(LFRFrameError(ordinal: ordinal, wireBytes: wire, typeByte: typeByte, seq: seq, reason: reason))
        }
        guard raw.count >= LFRProtocol.overhead else { return reject("only \(raw.count) bytes, a frame has at least 8") }
        let length = Int(raw[4]) | Int(raw[5]) << 8
        guard raw.count == length + LFRProtocol.overhead else {
            return reject("length field says \(length) payload bytes, frame holds \(raw.count - LFRProtocol.overhead)")
        }
        let body = raw[0..<(raw.count - 2)]
        let stated = UInt16(raw[raw.count - 2]) << 8 | UInt16(raw[raw.count - 1])
        let computed = CRC16CCITTFalse.checksum(body)
        guard stated == computed else {
            return reject("CRC mismatch (frame says 0x\(hex4(stated)), computed 0x\(hex4(computed)))")
        }
        guard raw[0] == LFRProtocol.version else { return reject("protocol version \(raw[0]), expected 1") }
        guard let type = LFRProtocol.MessageType(rawValue: raw[1]) else {
            return reject("unknown message type 0x\(String(raw[1], radix: 16))")
        }
        return .frame(LFRFrame(type: type, seq: raw[2], ref: raw[3], payload: Array(raw[6..<(6 + length)])))
    }
}

func hex4(_ value: UInt16) -> String {
    let s = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: 4 - s.count) + s
}
