import Logging
import PrecisCore

/// What a link lost and recovered, for the run's record.
public struct LinkStatistics: Sendable, Equatable {
    /// Chunks the decoder discarded (bad CRC, bad COBS, bad length).
    public var rejectedFrames = 0
    /// Frames missing by the device's sequence numbers.
    public var sequenceGaps = 0
    /// Commands sent again after a reply timed out.
    public var retries = 0
    /// Readings fetched again after their frames were lost.
    public var refilledReadings = 0
    /// Each discarded chunk, described (frame ordinal, type, seq, reason).
    public var rejections: [String] = []
    /// Nothing lost yet.
    public init() {}
}

/// The host side of the shared frame layer (lfr protocol.md §2–§3) over one transport:
/// numbering commands, resending unanswered ones with the same seq, reassembling frames,
/// counting what was lost, and routing events. Each family's driver owns one and speaks
/// its own message types through it.
public actor FrameLink {
    /// How a family's frames are told apart.
    public struct Dialect: Sendable {
        /// The largest payload.
        public var maxPayload: Int
        /// The spec's name of a type byte, nil for an unknown type.
        public var typeName: @Sendable (UInt8) -> String?
        /// The ERROR type byte.
        public var errorType: UInt8
        /// An ERROR frame in the shared vocabulary, given what it interrupted.
        public var error: @Sendable (SeqFrame, String) -> PrecisError
        /// Whether a type byte is an unsolicited event.
        public var isEvent: @Sendable (UInt8) -> Bool

        /// Makes a dialect.
        public init(maxPayload: Int, typeName: @escaping @Sendable (UInt8) -> String?, errorType: UInt8,
                    error: @escaping @Sendable (SeqFrame, String) -> PrecisError, isEvent: @escaping @Sendable (UInt8) -> Bool) {
            self.maxPayload = maxPayload
            self.typeName = typeName
            self.errorType = errorType
            self.error = error
            self.isEvent = isEvent
        }
    }

    let transport: any Transport
    let dialect: Dialect
    let reply: Duration
    let attempts: Int
    let logger: Logger
    let onEvent: @Sendable (SeqFrame) -> Void
    var decoder: SeqFrameDecoder
    var inbox: [SeqFrame] = []
    var nextSeq: UInt8 = 1
    var lastPeerSeq: UInt8?
    /// What the link lost and recovered so far.
    public private(set) var statistics = LinkStatistics()

    /// A link over `transport` that waits `reply` for each answer and sends a command at most
    /// `attempts` times; events go to `onEvent`.
    public init(transport: any Transport, dialect: Dialect, reply: Duration, attempts: Int, logger: Logger,
                onEvent: @escaping @Sendable (SeqFrame) -> Void) {
        self.transport = transport
        self.dialect = dialect
        self.reply = reply
        self.attempts = attempts
        self.logger = logger
        self.onEvent = onEvent
        decoder = SeqFrameDecoder(maxPayload: dialect.maxPayload, typeName: dialect.typeName)
    }

    /// Sends a command and returns the frame of type `expecting` that answers it, resending the
    /// same frame when no answer comes in time. Frames answering the command that arrive before
    /// the reply (data of a scan it started) are kept for `receive`. An ERROR answer throws.
    public func exchange(type: UInt8, payload: [UInt8], expecting: UInt8) async throws -> SeqFrame {
        let frame = try await send(type: type, payload: payload)
        let name = dialect.typeName(type) ?? "command 0x\(String(type, radix: 16))"
        var held: [SeqFrame] = []
        defer { inbox.insert(contentsOf: held, at: 0) }
        for attempt in 1...attempts {
            if attempt > 1 {
                statistics.retries += 1
                logger.warning("no reply to \(name) seq=\(frame.seq), sending it again (\(attempt)/\(attempts))")
                try await transport.write(frame.encoded(), timeout: reply)
            }
            let deadline = ContinuousClock.now + reply
            while let answer = try await receive(until: deadline) {
                guard answer.ref == frame.seq else { continue }
                if answer.type == dialect.errorType { throw dialect.error(answer, name) }
                if answer.type == expecting { return answer }
                held.append(answer)
            }
        }
        throw PrecisError(.timeout, "the device did not answer \(name) after \(attempts) tries",
                          hint: "check that the instrument is on and its cable is in")
    }

    /// Writes a command with the next seq; returns the frame sent.
    public func send(type: UInt8, payload: [UInt8]) async throws -> SeqFrame {
        let frame = SeqFrame(type: type, seq: nextSeq, payload: payload)
        nextSeq = nextSeq == 255 ? 0 : nextSeq + 1
        try await transport.write(frame.encoded(), timeout: reply)
        return frame
    }

    /// The next frame that is not an event, or nil when `deadline` passes first.
    public func receive(until deadline: ContinuousClock.Instant) async throws -> SeqFrame? {
        while true {
            try Task.checkCancellation()
            if !inbox.isEmpty { return inbox.removeFirst() }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return nil }
            let bytes: [UInt8]
            do {
                bytes = try await transport.read(timeout: left)
            } catch let error as PrecisError where error.kind == .timeout {
                return nil
            }
            for output in decoder.step(bytes) { accept(output) }
        }
    }

    /// Counts readings fetched again.
    public func noteRefilled(_ count: Int) { statistics.refilledReadings += count }

    /// Closes the transport.
    public func close() async { await transport.close() }

    private func accept(_ output: SeqFrameDecoder.Output) {
        switch output {
        case .rejected(let rejection):
            statistics.rejectedFrames += 1
            statistics.rejections.append(rejection.description)
            logger.warning("discarded \(rejection.description)")
        case .frame(let frame):
            noteSequence(frame.seq)
            if dialect.isEvent(frame.type) { onEvent(frame) } else { inbox.append(frame) }
        }
    }

    private func noteSequence(_ seq: UInt8) {
        if let last = lastPeerSeq {
            let gap = Int(seq &- last) - 1
            if gap > 0 && gap < 128 {
                statistics.sequenceGaps += gap
                logger.warning("device seq jumped from \(last) to \(seq): \(gap) frame(s) lost")
            }
        }
        lastPeerSeq = seq
    }
}
