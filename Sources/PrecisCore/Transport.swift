/// A byte pipe to one instrument: bulk OUT and bulk IN on USB, TX and RX on a serial
/// port, or a trace or simulator in tests. Drivers are handed one and never open one,
/// so a driver cannot tell a real reader from a replayed one.
///
/// ```
///  driver ──write(bytes)──▶ transport ──▶ device
///  driver ◀──read()─────── transport ◀── device   (one USB packet or whatever arrived)
/// ```
public protocol Transport: AnyObject, Sendable {
    /// Where the bytes go, for messages: `usb:1-4.2`, `sim:lfr`, `replay:trace.jsonl`.
    var endpointDescription: String { get }

    /// Sends `bytes` to the device, or throws `.timeout`, `.disconnected`, `.stall`.
    func write(_ bytes: [UInt8], timeout: Duration) async throws

    /// Returns the next bytes the device sent (at least one), waiting at most `timeout`.
    /// Throws `PrecisError(.timeout)` when nothing arrived and `.disconnected` when the
    /// device has gone.
    func read(timeout: Duration) async throws -> [UInt8]

    /// Releases the device. Safe to call more than once.
    func close() async
}

/// A transport that knows which of its family's models the device is (a simulator is made as
/// one): what a driver needs when the protocol cannot tell the models apart.
public protocol ModelledTransport: Transport {
    /// The model, as device.json names it (`devices[].model`).
    var model: String { get }
}
