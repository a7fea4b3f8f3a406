import PrecisCore

/// Why a chunk of an LFR byte stream was discarded (protocol.md §2).
public typealias LFRFrameError = FrameRejection

/// The LFR frame decoder: the shared frame layer (protocol.md §2) with LFR's message types.
public struct LFRFrameDecoder: Sendable {
    /// One output of `step`: a good frame or a discarded chunk.
    public enum Output: Sendable, Equatable {
        /// A frame that passed every check.
        case frame(LFRFrame)
        /// A chunk that failed a check, with the reason.
        case rejected(LFRFrameError)
    }

    private var layer = SeqFrameDecoder(maxPayload: LFRProtocol.maxPayload) {
        LFRProtocol.MessageType(rawValue: $0)?.description
    }

    /// Makes a decoder at the start of a stream.
    public init() {}

    /// Bytes held waiting for a delimiter.
    public var pendingBytes: Int { layer.pendingBytes }

    /// Consumes `bytes` and returns the frames and rejections they completed, in order.
    public mutating func step(_ bytes: [UInt8]) -> [Output] {
        layer.step(bytes).map { output in
            switch output {
            case .rejected(let rejection):
                return .rejected(rejection)
            case .frame(let frame):
                // The layer only passes type bytes LFRProtocol names.
                let type = LFRProtocol.MessageType(rawValue: frame.type) ?? .error
                return .frame(LFRFrame(type: type, seq: frame.seq, ref: frame.ref, payload: frame.payload))
            }
        }
    }
}
