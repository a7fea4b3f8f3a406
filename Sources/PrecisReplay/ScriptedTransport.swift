import PrecisCore

/// One step of a scripted exchange.
public enum ScriptStep: Sendable, Equatable {
    /// The host must write exactly these bytes next.
    case expectWrite([UInt8])
    /// The host's next read returns these bytes.
    case reply([UInt8])
    /// The host's next read or write fails with this kind and message.
    case fail(ErrorKind, String)
}

/// A transport that plays a fixed script and fails loudly when the host departs from it.
/// Every expectation must be used up: `verifyDone()` throws when steps remain or the host
/// diverged at any point, even if the driver swallowed the error. (embedded-hal-mock `done()`)
public actor ScriptedTransport: Transport {
    /// Where the script came from, for messages.
    public nonisolated let endpointDescription: String
    private let steps: [ScriptStep]
    private var cursor = 0
    private var divergence: String?

    /// Makes a transport that plays `steps` in order.
    public init(_ steps: [ScriptStep], name: String = "scripted") {
        self.steps = steps
        self.endpointDescription = name
    }

    /// Steps played so far.
    public var consumed: Int { cursor }

    /// Checks the write against the next step.
    public func write(_ bytes: [UInt8], timeout: Duration) async throws {
        guard cursor < steps.count else { throw diverge("the host wrote \(bytes.count) bytes after the script's end") }
        switch steps[cursor] {
        case .expectWrite(let expected) where expected == bytes:
            cursor += 1
        case .expectWrite(let expected):
            throw diverge("the host wrote \(bytes.hexString), the script expects \(expected.hexString)")
        case .fail(let kind, let message):
            cursor += 1
            throw PrecisError(kind, message)
        case .reply(let pending):
            throw diverge("the host wrote \(bytes.hexString) while the device still had \(pending.count) bytes to send")
        }
    }

    /// Returns the next scripted reply.
    public func read(timeout: Duration) async throws -> [UInt8] {
        guard cursor < steps.count else { throw diverge("the host read after the script's end") }
        switch steps[cursor] {
        case .reply(let bytes):
            cursor += 1
            return bytes
        case .fail(let kind, let message):
            cursor += 1
            throw PrecisError(kind, message)
        case .expectWrite(let expected):
            throw diverge("the host read, the script expects it to write \(expected.hexString)")
        }
    }

    /// Nothing to release.
    public func close() async {}

    /// Throws when the host diverged, or when steps remain unplayed.
    public func verifyDone() throws {
        if let divergence { throw PrecisError(.protocol, divergence) }
        guard cursor == steps.count else {
            throw PrecisError(.protocol, "\(endpointDescription): \(steps.count - cursor) of \(steps.count) steps "
                              + "were never played, the next is \(steps[cursor])")
        }
    }

    private func diverge(_ what: String) -> PrecisError {
        let message = "\(endpointDescription) diverged at step \(cursor + 1) of \(steps.count): \(what)"
        if divergence == nil { divergence = message }
        return PrecisError(.protocol, message)
    }
}
