import Foundation
import PrecisCore
import PrecisDrivers
import PrecisReplay
import Testing

@Suite struct ScriptedExchangeTests {
    static let identityReply = LFRFrame(type: .identity, seq: 40, ref: 1, payload: LFRMessage.identity(
        LFRIdentity(serial: "LFR-0042", firmware: "2.4.0", opticsCalibrationID: "OPT-9", model: "LFR-1",
                    fullScale: 60000)).payload).encoded()

    @Test func driverFollowsAScriptByteForByte() async throws {
        let wire = Self.identityReply
        let script = ScriptedTransport([
            .expectWrite(LFRFrame(type: .identify, seq: 1).encoded()),
            .reply(Array(wire.prefix(5))), .reply(Array(wire.dropFirst(5))),
        ])
        let identity = try await LFRDriver(transport: script, timing: testTiming()).identify()
        #expect(identity.serial == "LFR-0042")
        #expect(identity.firmware == "2.4.0")
        try await script.verifyDone()
    }

    @Test func unusedExpectationsFailVerification() async throws {
        let script = ScriptedTransport([
            .expectWrite(LFRFrame(type: .identify, seq: 1).encoded()), .reply(Self.identityReply),
            .expectWrite(LFRFrame(type: .getStatus, seq: 2).encoded()),
        ])
        _ = try await LFRDriver(transport: script, timing: testTiming()).identify()
        await #expect { try await script.verifyDone() } throws: { error in
            (error as? PrecisError)?.message.contains("1 of 3 steps were never played") == true
        }
    }

    @Test func divergenceIsLoudEvenWhenTheDriverSwallowsIt() async throws {
        let script = ScriptedTransport([.expectWrite(LFRFrame(type: .getStatus, seq: 1).encoded())])
        _ = try? await LFRDriver(transport: script, timing: testTiming()).identify()
        await #expect { try await script.verifyDone() } throws: { error in
            (error as? PrecisError)?.message.contains("diverged at step 1") == true
        }
    }

    @Test func aRecordedSessionReplaysAndCatchesADifferentRun() async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lfr-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        let recorder = try RecordingTransport(wrapping: fastSimulator { $0.faults.corruptDataFrames = [2] },
                                              to: url, family: "lfr")
        let live = LFRDriver(transport: recorder, timing: testTiming())
        _ = try await live.identify()
        let recorded = try await live.scan(crpScan)
        await live.close()

        let trace = try TraceFile(contentsOf: url)
        #expect(trace.header.family == "lfr")
        #expect(trace.events.contains { $0.op == "write" })
        let replay = try ReplayTransport(contentsOf: url)
        let again = LFRDriver(transport: replay, timing: testTiming())
        _ = try await again.identify()
        #expect(try await again.scan(crpScan) == recorded)
        #expect(await again.statistics.rejectedFrames == 1)
        try await replay.verifyDone()

        let diverging = LFRDriver(transport: try ReplayTransport(contentsOf: url), timing: testTiming())
        _ = try await diverging.identify()
        var other = crpScan
        other.cartridgeID = "CRP26A07:000002"
        await #expect { try await diverging.scan(other) } throws: { error in
            (error as? PrecisError)?.message.contains("diverged") == true
        }
    }
}
