import Logging
import PrecisCore

/// Drives one nanopore sequencer (nps protocol.md): identify, per-channel calibration, the
/// sequencer's run attributes, bias and mux, and acquisition whose samples flow from the
/// stream endpoint (a `PacketSource`) into a sink the caller owns; the driver never touches
/// the samples.
public actor NPSDriver: Driver {
    /// The family this driver speaks.
    public static let family: DeviceFamily = "nps"

    let link: FrameLink
    let stream: any PacketSource
    var identityCache: NPSIdentity?
    /// Whether acquisition is running.
    public private(set) var acquiring = false

    static let dialect = FrameLink.Dialect(
        maxPayload: NPSProtocol.maxPayload,
        typeName: { NPSProtocol.MessageType(rawValue: $0)?.description },
        errorType: NPSProtocol.MessageType.error.rawValue,
        error: { frame, context in
            var r = ByteReader(frame.payload)
            guard let code = try? r.u16("code") else { return PrecisError(.protocol, "malformed ERROR frame during \(context)") }
            return NPSProtocol.error(code, (try? r.shortString("detail")) ?? "", during: context)
        },
        isEvent: { _ in false })

    /// Makes a driver over a control `transport` and the stream endpoint `stream`.
    public init(transport: any Transport, stream: any PacketSource, reply: Duration = .milliseconds(800),
                logger: Logger = Logger(label: "precis.nps")) {
        self.stream = stream
        link = FrameLink(transport: transport, dialect: Self.dialect, reply: reply, attempts: 3, logger: logger) { _ in }
    }

    /// Makes a driver over a transport that is also the stream endpoint (the libusb transport of an
    /// nps device, the simulator); any other transport can identify but not acquire.
    public init(transport: any Transport) {
        self.init(transport: transport, stream: (transport as? any PacketSource) ?? MissingStream(transport.endpointDescription))
    }

    /// Stops acquisition; safe when idle.
    public func abort() async throws { _ = try await stopAcquisition() }

    /// Asks the sequencer who it is.
    ///
    /// ```
    /// host ── IDENTIFY seq=n ──▶ sequencer
    /// host ◀── IDENTITY ref=n ── sequencer  (channels, rate, frames per packet, ADC rails)
    /// ```
    public func identify() async throws -> DeviceIdentity {
        let identity = try await npsIdentity()
        return DeviceIdentity(family: Self.family, serial: identity.serial, firmware: identity.firmware,
                              instrumentCalibrationID: identity.flowCellID, model: identity.model)
    }

    /// The sequencer's IDENTITY, asked once and kept.
    public func npsIdentity() async throws -> NPSIdentity {
        if let identityCache { return identityCache }
        var r = ByteReader(try await exchange(.identify, [], expecting: .identity))
        let identity = NPSIdentity(
            serial: try r.shortString("serial"), firmware: try r.shortString("firmware"), model: try r.shortString("model"),
            flowCellID: try r.shortString("flow_cell_id"), channels: Int(try r.u16("channels")),
            sampleRate: Int(try r.u32("sample_rate_hz")), framesPerPacket: Int(try r.u16("frames_per_packet")),
            adcMin: try r.i16("adc_min"), adcMax: try r.i16("adc_max"))
        try r.expectEnd("IDENTITY")
        guard (1...4096).contains(identity.channels), (1...100_000).contains(identity.sampleRate),
              (1...1024).contains(identity.framesPerPacket), identity.adcMin < identity.adcMax else {
            throw PrecisError(.protocol, "IDENTITY is out of range: \(identity.channels) channels at \(identity.sampleRate) Hz, "
                              + "\(identity.framesPerPacket) frames per packet, ADC \(identity.adcMin)…\(identity.adcMax)")
        }
        identityCache = identity
        return identity
    }

    /// Every channel's calibration, page by page.
    ///
    /// ```
    /// host ── GET_CALIBRATION seq=n (first, count ≤ 40) ──▶ sequencer
    /// host ◀── CALIBRATION ref=n (count × digitisation, offset, range)
    /// ```
    public func calibrations() async throws -> [ChannelCalibration] {
        let channels = try await npsIdentity().channels
        var result: [ChannelCalibration] = []
        var first = 0
        while first < channels {
            let count = min(NPSProtocol.calibrationPage, channels - first)
            var w = ByteWriter()
            w.u16(UInt16(first))
            w.u16(UInt16(count))
            var r = ByteReader(try await exchange(.getCalibration, w.bytes, expecting: .calibration))
            guard Int(try r.u16("first")) == first, Int(try r.u16("count")) == count else {
                throw PrecisError(.protocol, "CALIBRATION answered for other channels than asked (\(first)+\(count))")
            }
            for channel in first..<first + count {
                let c = ChannelCalibration(digitisation: try r.f64("digitisation"), offset: try r.f64("offset"),
                                                 range: try r.f64("range"))
                guard c.digitisation > 0, c.range > 0, c.offset.isFinite else {
                    throw PrecisError(.calibration, "channel \(channel + 1) has an unusable calibration "
                                      + "(digitisation \(c.digitisation), offset \(c.offset), range \(c.range))",
                                      hint: "the flow cell's calibration is missing; recalibrate the sequencer")
                }
                result.append(c)
            }
            try r.expectEnd("CALIBRATION")
            first += count
        }
        return result
    }

    /// The sequencer's own attributes for the SLOW5 header (RUN_INFO, every page), in its order.
    public func runInfo() async throws -> [(String, String)] {
        var entries: [(String, String)] = []
        var page: UInt8 = 0
        var pages: UInt8 = 1
        while page < pages {
            var r = ByteReader(try await exchange(.getRunInfo, [page], expecting: .runInfo))
            guard try r.u8("page") == page else { throw PrecisError(.protocol, "RUN_INFO answered another page") }
            pages = try r.u8("pages")
            for _ in 0..<(try r.u8("count")) {
                let key = try r.shortString("key"), value = try r.shortString("value")
                guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw PrecisError(.protocol, "RUN_INFO key '\(key)' is not [a-z0-9_]+")
                }
                entries.append((key, value))
            }
            try r.expectEnd("RUN_INFO")
            page += 1
        }
        return entries
    }

    /// Sets the bias voltage (mV); safe to repeat.
    public func setBias(millivolts: Int) async throws {
        guard (-300...300).contains(millivolts) else { throw PrecisError(.input, "bias \(millivolts) mV is outside −300…300") }
        var w = ByteWriter()
        w.i16(Int16(millivolts))
        _ = try await exchange(.setBias, w.bytes, expecting: .biasSet)
    }

    /// Connects every channel to `mux` well (0 disconnects); safe to repeat.
    public func setMux(_ mux: UInt8) async throws {
        guard mux <= 4 else { throw PrecisError(.input, "mux \(mux) is not 0–4") }
        let channels = try await npsIdentity().channels
        var w = ByteWriter()
        w.u16(0)
        w.u16(UInt16(channels))
        for _ in 0..<channels { w.u8(mux) }
        _ = try await exchange(.setMux, w.bytes, expecting: .muxSet)
    }

    /// Starts streaming into `sink`, then starts acquisition; returns the acquisition id.
    ///
    /// ```
    /// host ── START_ACQUISITION seq=n ──▶ sequencer
    /// host ◀── ACQUISITION_STARTED ref=n ─ sequencer
    /// host ◀══ stream packets (endpoint 0x82) ══
    /// ```
    public func startAcquisition(into sink: any PacketSink) async throws -> UInt32 {
        try stream.startStreaming(into: sink)
        do {
            var r = ByteReader(try await exchange(.startAcquisition, [], expecting: .acquisitionStarted))
            let id = try r.u32("acquisition_id")
            acquiring = true
            return id
        } catch {
            await stream.stopStreaming()
            throw error
        }
    }

    /// Stops acquisition, then the stream; returns (packets the sequencer sent, its overflows).
    public func stopAcquisition() async throws -> (packets: UInt32, overflows: UInt32) {
        defer { acquiring = false }
        do {
            var r = ByteReader(try await exchange(.stopAcquisition, [], expecting: .acquisitionStopped))
            _ = try r.u32("acquisition_id")
            let result = (try r.u32("packets_sent"), try r.u32("device_overflows"))
            await stream.stopStreaming()
            return result
        } catch {
            await stream.stopStreaming()
            throw error
        }
    }

    /// Closes the control transport and the stream.
    public func close() async {
        await stream.stopStreaming()
        await link.close()
    }

    func exchange(_ type: NPSProtocol.MessageType, _ payload: [UInt8], expecting: NPSProtocol.MessageType) async throws -> [UInt8] {
        try await link.exchange(type: type.rawValue, payload: payload, expecting: expecting.rawValue).payload
    }
}

/// The stream of a transport that has none: acquisition fails with a clear error.
final class MissingStream: PacketSource {
    let streamDescription: String
    init(_ name: String) { streamDescription = name }
    func startStreaming(into sink: any PacketSink) throws {
        throw PrecisError(.other, "\(streamDescription) has no stream endpoint (nps protocol.md §5)",
                          hint: "connect the sequencer over USB, or use sim:nps")
    }
    func stopStreaming() async {}
}
