import Logging
import PrecisCore

extension LFRDriver {
    /// Sends `command` and returns the reply of type `expecting` that answers it, sending the
    /// same frame again (same seq, protocol.md §3) when no reply arrives in time.
    func exchange(_ command: LFRCommand, expecting: LFRProtocol.MessageType) async throws -> LFRMessage {
        let frame = try await send(command)
        var held: [LFRFrame] = []   // frames answering this command that come before the reply (scan data)
        defer { inbox.insert(contentsOf: held, at: 0) }
        for attempt in 1...timing.attempts {
            if attempt > 1 {
                statistics.retries += 1
                logger.warning("no reply to \(command.type) seq=\(frame.seq), sending it again (\(attempt)/\(timing.attempts))")
                try await transport.write(frame.encoded(), timeout: timing.reply)
            }
            let deadline = ContinuousClock.now + timing.reply
            while let reply = try await receive(until: deadline) {
                guard reply.ref == frame.seq else { continue }
                let message = try LFRMessage(frame: reply)
                if case let .error(code, detail) = message { throw Self.readerError(code, detail, command.type) }
                if reply.type == expecting { return message }
                held.append(reply)
            }
        }
        throw PrecisError(.timeout, "the reader did not answer \(command.type) after \(timing.attempts) tries",
                          hint: "check that the reader is on and its cable is in")
    }

    /// Encodes and writes `command` with the next seq; returns the frame sent.
    func send(_ command: LFRCommand) async throws -> LFRFrame {
        let frame = LFRFrame(type: command.type, seq: nextSeq, payload: command.payload)
        nextSeq = nextSeq == 255 ? 0 : nextSeq + 1
        try await transport.write(frame.encoded(), timeout: timing.reply)
        return frame
    }

    /// The next frame that is not an event, or nil when `deadline` passes first.
    /// Events go to `events`; discarded chunks and seq gaps are counted and logged.
    func receive(until deadline: ContinuousClock.Instant) async throws -> LFRFrame? {
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

    private func accept(_ output: LFRFrameDecoder.Output) {
        switch output {
        case .rejected(let error):
            statistics.rejectedFrames += 1
            statistics.rejections.append(error.description)
            logger.warning("discarded \(error.description)")
        case .frame(let frame):
            noteSequence(frame.seq)
            switch frame.type {
            case .cartridgeInserted:
                if case .cartridgeInserted(let id)? = try? LFRMessage(frame: frame) {
                    eventSink.yield(.cartridgeInserted(id))
                }
            case .cartridgeRemoved:
                eventSink.yield(.cartridgeRemoved)
            default:
                inbox.append(frame)
            }
        }
    }

    private func noteSequence(_ seq: UInt8) {
        if let last = lastReaderSeq {
            let gap = Int(seq &- last) - 1
            if gap > 0 && gap < 128 {
                statistics.sequenceGaps += gap
                logger.warning("reader seq jumped from \(last) to \(seq): \(gap) frame(s) lost")
            }
        }
        lastReaderSeq = seq
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
