import Logging
import PrecisCore

/// Drives one Ocean Optics / Ocean Insight spectrometer over any transport
/// (`Firmware-Protocols/obp/protocol.md`): identify, integration time, scans to average, the
/// wavelength and nonlinearity calibrations, and raw spectra with their saturation. A pure
/// driver: it takes spectra, it does not interpret them.
///
/// A procedure uses it like this:
///
/// ```swift
/// let driver = OBPDriver(transport: transport, model: .sts)   // model: OBPModel.named(description.model)
/// let who = try await driver.identify()
/// try await driver.setIntegrationTime(microseconds: 100_000)
/// try await driver.setScansToAverage(4)
/// let wavelengths = try await driver.wavelengths()           // nm, one per pixel
/// let spectrum = try await driver.spectrum()                 // raw counts, one per pixel
/// if spectrum.isSaturated { /* shorten the integration time and take it again */ }
/// ```
///
/// Every request is answered once (obp protocol.md §3): data, an ACK or a NACK. A NACK becomes
/// a `PrecisError` of the kind obp protocol.md §4 gives its code; an answer that does not come,
/// or comes damaged, is asked for again (`Timing.attempts`), and then is a `.timeout` or a
/// `.protocol` error. A transport that goes away throws `.disconnected`.
public actor OBPDriver: Driver {
    /// The family this driver speaks.
    public static let family: DeviceFamily = "obp"

    /// How long to wait and how often to ask (obp protocol.md §10).
    public struct Timing: Sendable {
        /// Wait for an answer, beyond the acquisition time of a spectrum.
        public var reply: Duration = .seconds(1)
        /// Sends of one request before giving up (a NACK is never sent again).
        public var attempts = 2
        /// Makes the defaults.
        public init() {}
    }

    /// The model, which says the generation, the pixels and the format (obp protocol.md §8).
    public nonisolated let model: OBPModel
    let transport: any Transport
    let timing: Timing
    let logger: Logger
    var decoder: OBPDecoder
    var inbox: [OBPMessage] = []
    var identityCache: DeviceIdentity?
    var calibrationCache: OBPWavelengthCalibration?
    /// The integration time last set, µs; nil until set (the device's power-on value is unknown).
    public internal(set) var integrationMicroseconds: Int?
    /// Scans averaged into each spectrum (1 until set).
    public internal(set) var scansToAverage = 1
    /// What the link lost and recovered so far: damaged answers and requests sent again.
    public internal(set) var statistics = LinkStatistics()

    /// Makes a driver for a `model` spectrometer over `transport`.
    public init(transport: any Transport, model: OBPModel, timing: Timing = Timing(),
                logger: Logger = Logger(label: "precis.obp")) {
        self.transport = transport
        self.model = model
        self.timing = timing
        self.logger = logger
        decoder = OBPDecoder(versions: [model.version])
    }

    /// Asks the spectrometer who it is: its serial number and, on protocol 0x1100, its firmware
    /// revision; the model is the one the driver was made for. Asked once and kept.
    ///
    /// ```
    /// host ── GET_SERIAL_NUMBER_LENGTH ──▶ spectrometer   (0x1100)
    /// host ◀── RESPONSE: u8 ─────────────
    /// host ── GET_SERIAL_NUMBER ─────────▶
    /// host ◀── RESPONSE: ASCII ──────────
    /// host ── GET_FIRMWARE_REVISION ─────▶                (0x1100)
    /// host ◀── RESPONSE: u16 (BCD) ──────
    /// ```
    public func identify() async throws -> DeviceIdentity {
        if let identityCache { return identityCache }
        let identity = DeviceIdentity(family: Self.family, serial: try await serialNumber(),
                                      firmware: try await firmwareRevision() ?? "unknown", model: model.name)
        identityCache = identity
        return identity
    }

    /// The serial number (obp protocol.md §5, §6).
    public func serialNumber() async throws -> String {
        guard model.version == .v1 else { return try await query(.getSerialNumber).ascii("the serial number") }
        let length = Int(try await query(.getSerialNumberLength).u8("the serial number's length"))
        let reply = try await query(.getSerialNumber)
        var trimmed = reply
        trimmed.data = Array(reply.data.prefix(length))
        return try trimmed.ascii("the serial number")
    }

    /// The firmware revision as its four BCD digits (`0103`), or nil on protocol 0x2000, which
    /// has no public request for it (obp protocol.md §5, §6).
    public func firmwareRevision() async throws -> String? {
        guard model.version == .v1 else { return nil }
        let revision = try await query(.getFirmwareRevision).u16("the firmware revision")
        let digits = String(revision, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// A spectrometer has nothing running between requests: nothing to stop.
    public func abort() async throws {}

    /// Closes the transport.
    public func close() async { await transport.close() }

    /// Sends `type` with `data` and returns the answer, asking again when it does not come in time
    /// or comes damaged; a NACK or an exception throws (obp protocol.md §3, §4, §9.4). `extra` is
    /// time the device needs beyond the reply time (a spectrum's acquisition).
    func query(_ type: OBPMessageType, _ data: [UInt8] = [], extra: Duration = .zero) async throws -> OBPMessage {
        let request = OBPMessage.request(type, data: data, version: model.version)
        let bytes = request.encoded()
        var damaged = 0
        if !inbox.isEmpty {
            logger.warning("dropped \(inbox.count) stale message(s) before \(type)")
            inbox.removeAll()
        }
        for attempt in 1...max(1, timing.attempts) {
            if attempt > 1 {
                statistics.retries += 1
                logger.warning("no good answer to \(type), asking again (\(attempt)/\(timing.attempts))")
            }
            try await transport.write(bytes, timeout: timing.reply)
            var deadline = ContinuousClock.now + timing.reply + extra
            while let answer = try await receive(until: deadline, damaged: &damaged) {
                switch try judge(answer, to: request) {
                case .done: return answer
                case .deferred: deadline = ContinuousClock.now + timing.reply + extra
                case .other: continue
                }
            }
        }
        if damaged > 0 {
            throw PrecisError(.protocol, "every answer to \(type) came damaged (\(damaged) refused)",
                              hint: "check the USB cable; \(statistics.rejections.last ?? "")")
        }
        throw PrecisError(.timeout, "the spectrometer did not answer \(type) after \(timing.attempts) tries",
                          hint: "check that the spectrometer is plugged in")
    }

    /// What a message received while waiting for `request` is to it (obp protocol.md §3, §4).
    private enum Judgement { case done, deferred, other }

    /// Whether `answer` answers `request`, says to wait longer (error 255), or is something else;
    /// a NACK or an exception throws.
    private func judge(_ answer: OBPMessage, to request: OBPMessage) throws -> Judgement {
        let name = OBPMessageType.name(request.messageType)
        guard answer.answers(request) else {
            logger.warning("ignored \(answer) while waiting for \(name)")
            return .other
        }
        if answer.flags.contains(.deprecated) { logger.warning("the spectrometer says protocol \(model.version) is deprecated") }
        let exception = answer.flags.contains(.exception)
        if answer.errorCode == OBPProtocol.deferredCode && !exception { return .deferred }
        if answer.flags.contains(.nack) || exception {
            throw OBPProtocol.error(code: answer.errorCode, exception: exception, during: name)
        }
        return .done
    }

    /// Sets something and waits for its ACK (obp protocol.md §3).
    func set(_ type: OBPMessageType, _ data: [UInt8]) async throws {
        let answer = try await query(type, data)
        if !answer.flags.contains(.ack) { logger.warning("\(type) was answered without ACK: \(answer)") }
    }

    /// The next message, or nil when `deadline` passes first; a refusal ends the wait early, so
    /// the request is sent again at once.
    private func receive(until deadline: ContinuousClock.Instant, damaged: inout Int) async throws -> OBPMessage? {
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
            var refused = false
            for output in decoder.step(bytes) {
                switch output {
                case .message(let message): inbox.append(message)
                case .rejected(let rejection):
                    statistics.rejectedFrames += 1
                    statistics.rejections.append(rejection.description)
                    logger.warning("discarded: \(rejection)")
                    if case .garbage = rejection { continue }
                    refused = true
                }
            }
            if refused && inbox.isEmpty {
                damaged += 1
                return nil
            }
        }
    }
}
