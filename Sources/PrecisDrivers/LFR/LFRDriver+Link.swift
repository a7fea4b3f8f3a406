import PrecisCore

extension LFRDriver {
    /// Sends `command` and returns the reply of type `expecting` that answers it
    /// (resent with the same seq when unanswered, protocol.md §3).
    func exchange(_ command: LFRCommand, expecting: LFRProtocol.MessageType) async throws -> LFRMessage {
        let reply = try await link.exchange(type: command.type.rawValue, payload: command.payload, expecting: expecting.rawValue)
        return try LFRMessage(frame: LFRFrame(reply))
    }

    /// Writes `command` with the next seq; returns the seq used.
    func send(_ command: LFRCommand) async throws -> UInt8 {
        try await link.send(type: command.type.rawValue, payload: command.payload).seq
    }

    /// The next frame that is not an event, or nil when `deadline` passes first.
    func receive(until deadline: ContinuousClock.Instant) async throws -> LFRFrame? {
        try await link.receive(until: deadline).map(LFRFrame.init)
    }

    /// An ERROR frame in the shared vocabulary (protocol.md §6).
    static func readerError(_ code: UInt16, _ detail: String, _ command: LFRProtocol.MessageType) -> PrecisError {
        readerError(code, detail, during: command.description)
    }

    /// An ERROR frame in the shared vocabulary, saying what it interrupted.
    static func readerError(_ code: UInt16, _ detail: String, during context: String) -> PrecisError {
        guard let known = LFRProtocol.errorCodes[code] else {
            return PrecisError(.deviceFault, "reader error 0x\(hex4(code)) during \(context): \(detail)")
        }
        let suffix = detail.isEmpty ? "" : ": \(detail)"
        return PrecisError(known.kind, "reader reported \(known.name) during \(context)\(suffix)", hint: known.hint)
    }
}

extension LFRFrame {
    /// The LFR view of a frame the shared layer passed (its type is one LFR names).
    public init(_ frame: SeqFrame) {
        self.init(type: LFRProtocol.MessageType(rawValue: frame.type) ?? .error, seq: frame.seq, ref: frame.ref,
                  payload: frame.payload)
    }
}
