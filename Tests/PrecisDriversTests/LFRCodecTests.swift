import PrecisCore
import PrecisDrivers
import Testing

@Suite struct LFRCodecTests {
    /// protocol.md §2 worked examples, computed by an independent script.
    @Test func encodesTheSpecExamples() {
        #expect(LFRFrame(type: .identify, seq: 1).encoded() == [0x04, 0x01, 0x01, 0x01, 0x01, 0x01, 0x03, 0x97, 0x55, 0x00])
        let error = LFRFrame(type: .error, seq: 8, ref: 5, payload: LFRMessage.error(code: 4, detail: "slot empty").payload)
        #expect(error.encoded().hexString == "0601e008050d02040e0a736c6f7420656d707479900600")
    }

    static let stream: [LFRFrame] = [
        LFRFrame(type: .identity, seq: 1, ref: 1, payload: LFRMessage.identity(
            LFRIdentity(serial: "S1", firmware: "2.3.1", opticsCalibrationID: "OPT", model: "LFR-1", fullScale: 65535)).payload),
        LFRFrame(type: .scanData, seq: 2, ref: 2, payload: LFRMessage.scanData(LFRScanBlock(
            scanID: 7, first: 0, positionsUM: [0, 50, 100], reflectance: [0, 0x0100, 65535])).payload),
        LFRFrame(type: .cartridgeRemoved, seq: 3),
        LFRFrame(type: .scanDone, seq: 4, ref: 2, payload: LFRMessage.scanDone(scanID: 7, total: 3, checksum: 0).payload),
    ]

    @Test func decodesFramesFedWholeAndOneByteAtATime() {
        let wire = Self.stream.flatMap { $0.encoded() }
        var whole = LFRFrameDecoder()
        let all = whole.step(wire)
        var drip = LFRFrameDecoder()
        let dripped = wire.flatMap { drip.step([$0]) }
        #expect(all == Self.stream.map { .frame($0) })
        #expect(dripped == all)
        #expect(drip.pendingBytes == 0)
    }

    @Test func corruptCRCIsRejectedNamingTheFrameAndTheNextFrameSurvives() throws {
        var wire = Self.stream.map { $0.encoded() }
        let raw = Self.stream[1].decodedBytes
        var damaged = raw
        damaged[10] ^= 0x40
        wire[1] = COBS.encode(damaged) + [0]
        var decoder = LFRFrameDecoder()
        let out = decoder.step(wire.flatMap { $0 })
        #expect(out.count == 4)
        guard case .rejected(let error) = out[1] else { Issue.record("frame 2 was not rejected"); return }
        #expect(error.ordinal == 2)
        #expect(error.typeByte == LFRProtocol.MessageType.scanData.rawValue)
        #expect(error.seq == 2)
        #expect(error.description.hasPrefix("frame #2 (SCAN_DATA, seq 2,"))
        #expect(error.description.contains("CRC mismatch"))
        #expect(out[2] == .frame(Self.stream[2]))
        #expect(out[3] == .frame(Self.stream[3]))
    }

    @Test func rejectsBadLengthVersionTypeAndOverlongChunks() {
        var decoder = LFRFrameDecoder()
        func reason(_ raw: [UInt8]) -> String? {
            var d = LFRFrameDecoder()
            guard case .rejected(let e)? = d.step(COBS.encode(raw) + [0]).first else { return nil }
            return e.reason
        }
        var frame = LFRFrame(type: .status, seq: 1, payload: [1, 2, 3]).decodedBytes
        frame[4] = 9
        #expect(reason(frame)?.contains("length field says 9") == true)
        #expect(reason([1, 2])?.contains("only 2 bytes") == true)
        var wrongVersion: [UInt8] = [2, 0x81, 1, 0, 0, 0]
        let crc = CRC16CCITTFalse.checksum(wrongVersion)
        wrongVersion += [UInt8(crc >> 8), UInt8(crc & 0xFF)]
        #expect(reason(wrongVersion)?.contains("version 2") == true)
        var unknown: [UInt8] = [1, 0x77, 1, 0, 0, 0]
        let crc2 = CRC16CCITTFalse.checksum(unknown)
        unknown += [UInt8(crc2 >> 8), UInt8(crc2 & 0xFF)]
        #expect(reason(unknown)?.contains("unknown message type 0x77") == true)
        let out = decoder.step([UInt8](repeating: 7, count: 600) + [0] + LFRFrame(type: .abort, seq: 9).encoded())
        #expect(out.count == 2)
        #expect(out.last == .frame(LFRFrame(type: .abort, seq: 9)))
    }

    @Test func messagesRoundTripThroughFrames() throws {
        let messages: [LFRMessage] = [
            .status(LFRStatus(state: 1, cartridgePresent: true, cartridgeID: "CRP26A07:1", temperatureCentiDegrees: -150,
                              lastScanID: 3, lastScanComplete: false)),
            .scanStarted(scanID: 9, total: 501), .aborted(scanID: 0), .cartridgeInserted("X:1"),
            .error(code: 6, detail: "lamp"),
        ]
        for message in messages {
            let frame = LFRFrame(type: message.type, seq: 1, payload: message.payload)
            #expect(try LFRMessage(frame: frame) == message)
        }
        let commands: [LFRCommand] = [.identify, .getStatus, .abort, .startScan(crpScanRequest),
                                      .getScanData(scanID: 1, first: 64, count: 32)]
        for command in commands {
            #expect(try LFRCommand(frame: LFRFrame(type: command.type, seq: 1, payload: command.payload)) == command)
        }
    }

    @Test func truncatedPayloadNamesTheField() {
        let frame = LFRFrame(type: .scanStarted, seq: 1, payload: [7])
        #expect(throws: PrecisError.self) { try LFRMessage(frame: frame) }
        do { _ = try LFRMessage(frame: frame) } catch let error as PrecisError {
            #expect(error.kind == .protocol)
            #expect(error.message.contains("scan_id"))
        } catch { Issue.record("unexpected \(error)") }
    }

    let crpScanRequest = crpScan
}

/// Randomised robustness: garbage never traps the decoder, and damage to a valid stream
/// yields only frames that were sent, unchanged, or rejections.
@Suite struct LFRCodecRobustnessTests {
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    @Test func garbageNeverTrapsAndNeverInventsFrames() {
        var rng = Rng(state: 7)
        var decoder = LFRFrameDecoder()
        var frames = 0
        for _ in 0..<2000 {
            let chunk = (0..<rng.below(80)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            for case .frame in decoder.step(chunk) { frames += 1 }
        }
        #expect(frames == 0)   // a random frame must pass COBS, length, CRC and type checks: ~never
    }

    @Test func damagedStreamsYieldOnlyOriginalFrames() {
        var rng = Rng(state: 11)
        let sent = (0..<200).map { i in
            LFRFrame(type: .scanData, seq: UInt8(i & 0xFF), ref: 3, payload: LFRMessage.scanData(LFRScanBlock(
                scanID: 1, first: i * 4, positionsUM: (0..<4).map { UInt16(i * 200 + $0 * 50) },
                reflectance: (0..<4).map { _ in UInt16(truncatingIfNeeded: rng.next()) })).payload)
        }
        var wire = sent.flatMap { $0.encoded() }
        for _ in 0..<60 { wire[rng.below(wire.count)] ^= UInt8(1 << rng.below(8)) }
        var decoder = LFRFrameDecoder()
        var received: [LFRFrame] = []
        var rejected = 0
        var offset = 0
        while offset < wire.count {
            let n = min(1 + rng.below(70), wire.count - offset)
            for output in decoder.step(Array(wire[offset..<offset + n])) {
                switch output {
                case .frame(let f): received.append(f)
                case .rejected: rejected += 1
                }
            }
            offset += n
        }
        #expect(rejected > 0)
        #expect(received.count > 100)
        #expect(received.allSatisfy { frame in sent.contains(frame) })
    }
}
