/// The one error vocabulary every family, transport and store speaks.
///
/// The runtime reacts to the kind, never to a family's own codes: a `disconnected`
/// reader aborts the run the same way whatever its family, and the technician reads
/// `message` (what happened) and `hint` (what to do next).
public enum ErrorKind: String, Sendable, Codable, CaseIterable {
    /// The device went away (cable pulled, power lost, simulator told to vanish).
    case disconnected
    /// No answer in time.
    case timeout
    /// The endpoint stalled (USB STALL) or the device refused the transfer.
    case stall
    /// The device or interface is in use by another program.
    case busy
    /// The bytes did not follow the wire protocol (bad CRC, unknown frame, wrong reply).
    case `protocol`
    /// The device reported a fault of its own (lamp failure, strip jammed).
    case deviceFault
    /// The operating system refused access (udev rule missing, wrong group).
    case permission
    /// A calibration, assay definition or lot is missing, malformed or expired.
    case calibration
    /// A user-supplied value is wrong (unknown device, unknown assay, bad option).
    case input
    /// The record a user named (a run, an outbox entry, a lockout) does not exist.
    case notFound
    /// The record is not in a state that allows this (a result already void, a lockout already lifted).
    case conflict
    /// The local store could not be opened, read or written.
    case storage
    /// Quality control holds the assay on this instrument (a Westgard rule rejected a QC run).
    case qualityControl
    /// Anything else.
    case other
}

/// An error with a kind, a one-line message and an optional next step for the user.
/// A failure that something counts, by name (the kiosk's metrics), beside its kind.
public enum ErrorCause: String, Sendable, Codable, CaseIterable {
    /// The host's receive buffer filled: bytes from the device were lost.
    case receiveOverflow = "receive-overflow"
}

public struct PrecisError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of failure this is; the runtime decides on this alone.
    public var kind: ErrorKind
    /// One line saying what happened, in the technician's words.
    public var message: String
    /// One line saying what to do next, when there is something to do.
    public var hint: String?
    /// What exactly went wrong, when something counts it (metrics): never read from `message`.
    public var cause: ErrorCause?

    /// Makes an error of `kind` saying `message`, with an optional next step and cause.
    public init(_ kind: ErrorKind, _ message: String, hint: String? = nil, cause: ErrorCause? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
        self.cause = cause
    }

    /// The message, followed by the hint when there is one.
    public var description: String {
        guard let hint else { return message }
        return "\(message) (\(hint))"
    }

    /// Returns a copy whose message is prefixed with `context`, keeping kind and hint.
    public func context(_ context: String) -> PrecisError {
        PrecisError(kind, "\(context): \(message)", hint: hint, cause: cause)
    }
}

extension Error {
    /// This error in the shared vocabulary: a `PrecisError` as it is, anything else as `.other`.
    public var asPrecisError: PrecisError {
        if let error = self as? PrecisError { return error }
        if self is CancellationError { return PrecisError(.other, "cancelled") }
        return PrecisError(.other, String(describing: self))
    }
}
