import Foundation
import PrecisCore
import PrecisDrivers

/// A nanopore sequencer in software: it speaks `Firmware-Protocols/nps/protocol.md` on its
/// control endpoints byte for byte and streams packets (§5) from per-channel scripts (reads
/// from a SLOW5 file, synthetic strands), at the sampling rate or as fast as possible; with
/// knobs for lost packets, an unplugged cable and refused commands.
public actor SimulatedNPS: Transport, WireSimulator {
    /// What the simulated sequencer is and plays.
    public struct Configuration: Sendable {
        /// IDENTITY.
        public var identity = NPSIdentity(serial: "NPS-SIM-0001", firmware: "2.4.1", model: "NP-512 (simulated)",
                                          flowCellID: "FLO-SIM-0001", channels: 512, sampleRate: 5000,
                                          framesPerPacket: 8, adcMin: Int16.min, adcMax: Int16.max)
        /// Per channel; channels beyond the list get `defaultCalibration`.
        public var calibrations: [ChannelCalibration] = []
        /// The calibration of channels without one.
        public var defaultCalibration = ChannelCalibration(digitisation: 8192, offset: 10, range: 1400)
        /// RUN_INFO's attributes.
        public var runInfo: [(String, String)] = []
        /// Per channel; channels beyond the list show an open pore.
        public var scripts: [NPSChannelScript] = []
        /// Open-pore samples before each read.
        public var gapSamples = 1000
        /// The open-pore current (pA).
        public var openPore: Float = 230
        /// Pace packets at the sampling rate (false: as fast as the consumer takes them).
        public var realTime = true
        /// Faults to inject.
        public var faults = Faults()
        /// Makes the defaults: 512 empty channels at 5 kHz.
        public init() {}

        /// Every channel's calibration.
        public var allCalibrations: [ChannelCalibration] {
            (0..<identity.channels).map { $0 < calibrations.count ? calibrations[$0] : defaultCalibration }
        }
    }

    /// What can go wrong, on purpose.
    public struct Faults: Sendable {
        /// Stream packets (by sequence number) lost between the sequencer and the host.
        public var dropSequences: Set<UInt32> = []
        /// The sequencer vanishes after this many stream packets.
        public var unplugAfterPackets: Int?
        /// START_ACQUISITION is refused with this code (nps protocol.md §6).
        public var startError: UInt16?
        /// Makes no faults.
        public init() {}
    }

    /// `sim:nps`.
    public nonisolated let endpointDescription: String
    /// The device side of the frame layer.
    public var wire: SimulatedWire
    let config: Configuration
    nonisolated let streamer: NPSStreamer
    var acquisitionID: UInt32 = 0
    var acquiring = false
    var bias: Int16 = 0

    /// Makes a sequencer.
    public init(_ configuration: Configuration = .init(), name: String = "sim:nps") {
        config = configuration
        endpointDescription = name
        wire = SimulatedWire(maxPayload: NPSProtocol.maxPayload, typeName: { NPSProtocol.MessageType(rawValue: $0)?.description },
                             maxChunk: 512, deviceName: "sequencer")
        streamer = NPSStreamer(identity: configuration.identity, calibrations: configuration.allCalibrations,
                               scripts: configuration.scripts, gap: configuration.gapSamples, openPore: configuration.openPore,
                               realTime: configuration.realTime, dropSequences: configuration.faults.dropSequences,
                               unplugAfterPackets: configuration.faults.unplugAfterPackets, seed: 42)
    }

    /// Takes the host's bytes and answers each complete command.
    public func write(_ bytes: [UInt8], timeout: Duration) async throws {
        try checkConnected()
        for output in wire.receive(bytes) {
            guard case .frame(let frame) = output else {
                send(.error, errorPayload(0x0008, "bad frame"), ref: 0)
                continue
            }
            handle(frame)
        }
    }

    /// The next bytes of replies.
    public func read(timeout: Duration) async throws -> [UInt8] { try await readWire(timeout: timeout) }

    /// Pulls the cable.
    public func close() async {
        wire.unplug(at: .now)
        streamer.stop()
    }

    /// True once every channel has played all its reads (the last packet was flagged).
    public nonisolated var playbackComplete: Bool { streamer.lock.withLock { streamer.playbackComplete } }

    /// Stream packets produced so far (including dropped ones).
    public nonisolated var packetsProduced: UInt32 { streamer.lock.withLock { streamer.packetsSent } }

    func send(_ type: NPSProtocol.MessageType, _ payload: [UInt8], ref: UInt8) {
        wire.enqueue(type: type.rawValue, payload: payload, ref: ref, at: .now)
    }

    func errorPayload(_ code: UInt16, _ detail: String) -> [UInt8] {
        var w = ByteWriter()
        w.u16(code)
        w.shortString(detail)
        return w.bytes
    }
}

extension SimulatedNPS: PacketSource {
    /// `sim:nps stream`.
    public nonisolated var streamDescription: String { endpointDescription + " stream" }

    /// Packets go to `sink` once acquisition starts.
    public nonisolated func startStreaming(into sink: any PacketSink) throws {
        streamer.lock.withLock { streamer.sink = sink }
    }

    /// Stops the producer thread.
    public nonisolated func stopStreaming() async { streamer.stop() }
}
