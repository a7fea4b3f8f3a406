import PrecisCore

/// Why the decoder refused bytes (obp protocol.md §11).
public enum OBPRejection: Sendable, Equatable, CustomStringConvertible {
    /// Bytes before a header's start bytes.
    case garbage(count: Int)
    /// A header of another protocol version than the ones expected.
    case version(UInt16)
    /// A checksum type other than none or MD5.
    case checksumType(UInt8)
    /// An immediate length over 16.
    case immediateLength(UInt8)
    /// A `bytes_remaining` under 20 or past the largest payload.
    case length(UInt32)
    /// A message whose footer is not `C5 C4 C3 C2` where its length puts it.
    case footer(messageType: UInt32)
    /// A message whose MD5 does not match.
    case checksum(messageType: UInt32)
    /// A message with both immediate data and a payload.
    case immediateAndPayload(messageType: UInt32)

    /// What was wrong, for logs and errors.
    public var description: String {
        switch self {
        case .garbage(let count): "\(count) byte(s) before a message's start bytes skipped"
        case .version(let v): "a header of protocol version 0x\(String(v, radix: 16)) refused"
        case .checksumType(let t): "a header of unknown checksum type \(t) refused"
        case .immediateLength(let n): "a header claiming \(n) bytes of immediate data (at most 16) refused"
        case .length(let n): "a header claiming \(n) remaining bytes (20 to \(OBPProtocol.maxPayload + OBPProtocol.trailerSize)) refused"
        case .footer(let type): "\(OBPMessageType.name(type)) refused: its footer is wrong"
        case .checksum(let type): "\(OBPMessageType.name(type)) refused: its MD5 does not match"
        case .immediateAndPayload(let type): "\(OBPMessageType.name(type)) refused: it has both immediate data and a payload"
        }
    }
}

/// The incremental OBP decoder (obp protocol.md §2, §11): bytes in, in any chunks, messages and
/// refusals out. Pure: no I/O and no clocks; what it yields depends on the bytes alone, never
/// on how they were cut. It holds at most one message's bytes beyond the chunk it is given.
public struct OBPDecoder: Sendable {
    /// One thing the decoder found.
    public enum Output: Sendable, Equatable {
        /// A whole, valid message.
        case message(OBPMessage)
        /// Bytes refused, and why; decoding goes on after them.
        case rejected(OBPRejection)
    }

    /// The protocol versions accepted; nil accepts any (the simulator, which NACKs a wrong one).
    public let versions: Set<UInt16>?
    /// The largest payload accepted.
    public let maxPayload: Int
    private var buffer: [UInt8] = []
    private var head = 0
    private var skipped = 0

    /// A decoder for messages of the given protocol versions (nil: any) and payloads of at most `maxPayload`.
    public init(versions: Set<OBPProtocolVersion>? = nil, maxPayload: Int = OBPProtocol.maxPayload) {
        self.versions = versions.map { Set($0.map(\.rawValue)) }
        self.maxPayload = maxPayload
    }

    /// Bytes held, waiting for the rest of a message.
    public var buffered: Int { buffer.count - head }

    /// Consumes `bytes` and returns every message and refusal they complete.
    public mutating func step<C: Collection>(_ bytes: C) -> [Output] where C.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        var out: [Output] = []
        while let next = next() { out.append(next) }
        if head > 0 && (head == buffer.count || head >= 8192) {
            buffer.removeFirst(head)
            head = 0
        }
        return out
    }

    private func u16(_ at: Int) -> UInt16 { UInt16(buffer[at]) | UInt16(buffer[at + 1]) << 8 }
    private func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }

    /// The next output, or nil when more bytes are needed.
    private mutating func next() -> Output? {
        while buffer.count - head >= 2 && !(buffer[head] == 0xC1 && buffer[head + 1] == 0xC0) {
            head += 1
            skipped += 1
        }
        if buffer.count - head == 1 && buffer[head] != 0xC1 {
            head += 1
            skipped += 1
        }
        guard buffer.count - head >= 2 else { return nil }
        if skipped > 0 {
            defer { skipped = 0 }
            return .rejected(.garbage(count: skipped))
        }
        guard buffer.count - head >= OBPProtocol.headerSize else { return nil }
        if let refused = headerProblem() {
            head += 2
            return .rejected(refused)
        }
        let remaining = Int(u32(head + 40))
        let total = OBPProtocol.headerSize + remaining
        guard buffer.count - head >= total else { return nil }
        let type = u32(head + 8)
        guard buffer[(head + total - 4)..<(head + total)].elementsEqual(OBPProtocol.footerBytes) else {
            head += 2
            return .rejected(.footer(messageType: type))
        }
        defer { head += total }
        return message(total: total, type: type)
    }

    /// What is wrong with the header at `head`, or nil.
    private func headerProblem() -> OBPRejection? {
        let version = u16(head + 2)
        if let versions, !versions.contains(version) { return .version(version) }
        let checksum = buffer[head + 22]
        guard OBPChecksumType(rawValue: checksum) != nil else { return .checksumType(checksum) }
        let immediate = buffer[head + 23]
        guard Int(immediate) <= OBPProtocol.maxImmediate else { return .immediateLength(immediate) }
        let remaining = u32(head + 40)
        guard remaining >= UInt32(OBPProtocol.trailerSize), remaining <= UInt32(maxPayload + OBPProtocol.trailerSize) else {
            return .length(remaining)
        }
        return nil
    }

    /// The whole message at `head`, `total` bytes with a good footer, checked.
    private func message(total: Int, type: UInt32) -> Output {
        let payloadLength = total - OBPProtocol.minimumMessageSize
        let checksumAt = head + OBPProtocol.headerSize + payloadLength
        let checksumType = OBPChecksumType(rawValue: buffer[head + 22])!
        if checksumType == .md5, !MD5.digest(buffer[head..<checksumAt]).elementsEqual(buffer[checksumAt..<(checksumAt + 16)]) {
            return .rejected(.checksum(messageType: type))
        }
        let immediateLength = Int(buffer[head + 23])
        if immediateLength > 0 && payloadLength > 0 { return .rejected(.immediateAndPayload(messageType: type)) }
        let data = immediateLength > 0
            ? Array(buffer[(head + 24)..<(head + 24 + immediateLength)])
            : Array(buffer[(head + OBPProtocol.headerSize)..<checksumAt])
        return .message(OBPMessage(protocolVersion: u16(head + 2), flags: OBPFlags(rawValue: u16(head + 4)), errorCode: u16(head + 6),
                                   messageType: type, regarding: u32(head + 12), checksumType: checksumType, data: data))
    }
}
