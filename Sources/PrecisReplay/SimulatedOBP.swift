import PrecisCore
import PrecisDrivers

/// An Ocean Optics / Ocean Insight spectrometer in software: it answers
/// `Firmware-Protocols/obp/protocol.md` byte for byte for the model it is made as, takes its
/// spectra from an `OBPSpectrumSource` (lamp, dark, a sample of known absorbance), and
/// misbehaves on request. It is a `Transport`, so `OBPDriver` talks to it exactly as to a
/// spectrometer on USB.
public actor SimulatedOBP: ModelledTransport {
    /// What the simulated spectrometer is and sees.
    public struct Configuration: Sendable {
        /// The model it answers as (generation, pixels, format, limits).
        public var model: OBPModel
        /// Its serial number.
        public var serial = "OBP-SIM-0001"
        /// Its firmware revision, BCD (protocol 0x1100 only).
        public var firmwareBCD: UInt16 = 0x0103
        /// Its wavelength coefficients, intercept first (obp protocol.md §7); the default spans
        /// about 340–820 nm over the model's pixels.
        public var wavelengthCoefficients: [Float]
        /// Its nonlinearity coefficients, lowest order first.
        public var nonlinearityCoefficients: [Float] = [1, 2.1e-6, -3.4e-11, 1.2e-16]
        /// What it sees.
        public var source = OBPSpectrumSource()
        /// How its answers are checksummed (obp protocol.md §2.1): MD5 by default, so a corrupted
        /// answer is caught.
        public var checksum: OBPChecksumType = .md5
        /// The integration time at power-on, µs (clamped to the model's limits).
        public var powerOnIntegrationMicroseconds = 100_000
        /// How much of the acquisition time (integration × scans) a spectrum's answer waits: 1 is
        /// real time, 0 answers at once.
        public var acquisitionTimeScale = 0.0
        /// The largest chunk one read returns (a USB packet: 64 on the STS, 512 on the others).
        public var maxChunk: Int
        /// Faults to inject.
        public var faults = Faults()
        /// Whether the simulated operator carries out the steps a run asks for (`operatorPlaces`).
        public var operatorPresent = true
        /// Whether the steps are a person's at the host instead: the run asks its own operator
        /// (`RunRequest.operatorSteps`) and, once confirmed, puts the scene in the light path.
        public var operatorAtHost = false

        /// Makes a configuration for `model`.
        public init(model: OBPModel) {
            self.model = model
            let last = Double(max(1, model.pixels - 1)), span = 680.0 / last
            wavelengthCoefficients = [340, Float(span * 1.05), Float(-span * 0.05 / last), Float(0.1 / (last * last * last))]
            maxChunk = model.name == OBPModel.sts.name ? 64 : 512
        }
    }

    /// What can go wrong, on purpose. Answers are counted from 1 in the order they are made
    /// (a dropped one counts too).
    public struct Faults: Sendable {
        /// Answers sent damaged: one data byte flipped (caught by the MD5), or, without a
        /// checksum, the footer's last byte.
        public var corruptAnswers: Set<Int> = []
        /// Answers lost on the way.
        public var dropAnswers: Set<Int> = []
        /// The spectrometer is unplugged after answering this many requests (their answers still arrive).
        public var unplugAfterRequests: Int?
        /// Every spectrum sees this much more light than the source says (4: the detector saturates).
        public var lightGain = 1.0
        /// Requests of these types are refused with NACK and this error code (obp protocol.md §4).
        public var nack: [OBPMessageType: UInt16] = [:]
        /// Requests of these types are answered with a hardware EXCEPTION and this error code.
        public var exception: [OBPMessageType: UInt16] = [:]
        /// Makes no faults.
        public init() {}
    }

    /// `sim:obp`.
    public nonisolated let endpointDescription: String
    /// The model it is made as (device.json's name for it).
    public nonisolated let model: String
    var config: Configuration
    var decoder = OBPDecoder()
    var outbox: TimedOutbox
    var answers = 0
    var random: SplitMix64
    var unplugged = false
    var unplugWhenDrained = false
    /// Requests handled so far.
    public private(set) var requests = 0
    /// The integration time now, µs.
    public internal(set) var integrationMicroseconds: Int
    /// The scans it averages now (protocol 0x1100).
    public internal(set) var scansToAverage = 1

    /// Powers on a simulated spectrometer.
    public init(_ configuration: Configuration, name: String = "sim:obp") {
        config = configuration
        outbox = TimedOutbox(maxChunk: configuration.maxChunk)
        endpointDescription = name
        model = configuration.model.name
        random = SplitMix64(seed: configuration.source.seed)
        let limits = configuration.model.integrationMicroseconds
        integrationMicroseconds = min(limits.upperBound, max(limits.lowerBound, configuration.powerOnIntegrationMicroseconds))
    }

    /// Receives host bytes and queues the spectrometer's answers.
    public func write(_ bytes: [UInt8], timeout: Duration) async throws {
        try checkConnected()
        for output in decoder.step(bytes) {
            switch output {
            case .message(let request): handleCounted(request)
            case .rejected(.checksum(let type)):
                answer(OBPMessage(protocolVersion: config.model.version.rawValue, messageType: type), nack: 3, at: .now)
            case .rejected: break
            }
        }
    }

    /// Returns the next bytes the spectrometer sent, up to one packet, waiting at most `timeout`.
    public func read(timeout: Duration) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let now = ContinuousClock.now
            if let chunk = takeChunk(now: now) { return chunk }
            try checkConnected()
            guard now < deadline else { throw PrecisError(.timeout, "the simulated spectrometer sent nothing") }
            var wake = min(deadline, now + .milliseconds(20))
            if let due = outbox.nextDue { wake = min(wake, due) }
            try await Task.sleep(until: wake, clock: .continuous)
        }
    }

    /// The simulated cable is pulled: every later read and write fails as disconnected.
    public func close() async { unplug() }

    /// Pulls the cable now; answers not yet read are lost.
    public func unplug() {
        unplugged = true
        outbox.removeAll()
    }

    /// Puts something else in the light path (the reference, the dark, the sample).
    public func setScene(_ scene: OBPSpectrumSource.Scene) { config.source.scene = scene }

    /// The simulated operator at the holder: puts `scene` in the light path (closes it, puts the
    /// blank or the sample in) and says so; false, changing nothing, when the operator is absent
    /// (`Configuration.operatorPresent`).
    /// Whether the steps are confirmed by a person at the host (`Configuration.operatorAtHost`).
    public var operatorAtHost: Bool { config.operatorAtHost }

    public func operatorPlaces(_ scene: OBPSpectrumSource.Scene) -> Bool {
        guard config.operatorPresent else { return false }
        config.source.scene = scene
        return true
    }

    /// Changes the sample's absorption bands.
    public func setBands(_ bands: [OBPSpectrumSource.Band]) { config.source.bands = bands }

    /// Changes the faults from now on.
    public func setFaults(_ faults: Faults) { config.faults = faults }

    private func checkConnected() throws {
        if unplugWhenDrained && outbox.isEmpty { unplugged = true }
        if unplugged {
            throw PrecisError(.disconnected, "the spectrometer went away (unplugged)", hint: "check the USB cable")
        }
    }

    private func handleCounted(_ request: OBPMessage) {
        guard !unplugWhenDrained else { return }
        requests += 1
        handle(request)
        if let limit = config.faults.unplugAfterRequests, requests >= limit { unplugWhenDrained = true }
    }

    /// Queues `message` for `readyAt`, as the faults say.
    func enqueue(_ message: OBPMessage, at readyAt: ContinuousClock.Instant) {
        answers += 1
        guard !config.faults.dropAnswers.contains(answers) else { return }
        var bytes = message.encoded()
        if config.faults.corruptAnswers.contains(answers) {
            let at = message.checksumType == .none ? bytes.count - 1 : (message.isImmediate ? 24 : OBPProtocol.headerSize)
            bytes[at] ^= 0x5A
        }
        outbox.enqueue(bytes, at: readyAt)
    }

    private func takeChunk(now: ContinuousClock.Instant) -> [UInt8]? {
        guard !unplugged else { return nil }
        return outbox.takeChunk(now: now)
    }
}
