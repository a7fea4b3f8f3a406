import Foundation
import PrecisCore
import PrecisDrivers
import PrecisReplay
import PrecisRuntime
import PrecisSignal
import PrecisStore
import Testing

@Suite struct RunTests {
    @Test func aSimulatedCRPRunEndsAsAQueuedResult() async throws {
        let runtime = try makeRuntime()
        let report = try await runtime.run(RunRequest(device: fastSim, assay: "crp", sample: "S-0001", patient: "P-17"))
        #expect(report.status == .completed)
        #expect(report.sample == "S-0001")
        #expect(report.flags == ["HIGH"])
        let ratio = try #require(report.tcRatio)
        let lot = try runtime.catalog.lot("CRP26A07", for: try runtime.catalog.assay("crp"),
                                          today: CalendarDate(iso: "2026-11-22")!)
        let expected = try #require(lot.lot.model.inverse(of: ratio))
        #expect(report.concentration?.unit == "mg/L")
        #expect(abs((report.concentration?.value ?? 0) - expected) <= 0.05)   // rounded to one decimal
        #expect(report.display == Format.concentration(Concentration(value: expected, unit: "mg/L"), decimals: 1))
        #expect(report.outbox.map(\.state) == [.pending])
        #expect(report.raw.readings == 501 && report.raw.expected == 501 && report.raw.complete)

        let stored = try #require(try runtime.store.result(forRun: report.runId))
        #expect(stored.concentration?.value == expected)   // full precision in the store
        #expect(stored.loincCode == "1988-5")
        #expect(try runtime.store.rawTrace(forRun: report.runId)?.profile == SyntheticStrip.crp(ratio: 0.35).profile())
        #expect(try runtime.queue().map(\.sample) == ["S-0001"])
        #expect(try runtime.store.verifyAudit().intact)
    }

    @Test(arguments: [
        ("ratio=0", "< 2.0 mg/L", ["BELOW_LOD"]),
        ("ratio=0.1", "3.0 mg/L", ["BELOW_RANGE"]),
        ("ratio=2.4", "> 200.0 mg/L", ["ABOVE_RANGE", "HIGH"]),
        ("ratio=0.15", "4.4 mg/L", ["BELOW_RANGE"]),
    ])
    func flagsFollowTheLotAndTheReferenceRange(option: String, display: String, flags: [String]) async throws {
        let runtime = try makeRuntime()
        let report = try await runtime.run(RunRequest(device: fastSim + "&" + option, assay: "crp", sample: "S-1"))
        #expect(report.status == .completed)
        #expect(report.display == display)
        #expect(report.flags == flags)
    }

    @Test func noControlLineIsInvalidAndCarriesNoNumber() async throws {
        let runtime = try makeRuntime()
        let report = try await runtime.run(RunRequest(device: fastSim + "&control=0", assay: "crp", sample: "S-2"))
        #expect(report.status == .invalid)
        #expect(report.concentration == nil)
        #expect(report.flags == ["NO_CONTROL_LINE"])
        let stored = try #require(try runtime.store.result(forRun: report.runId))
        #expect(stored.status == .invalid)
        #expect(stored.concentration == nil)
        #expect(report.outbox.count == 1)   // an invalid result is reported too, as invalid
    }

    @Test func aDamagedLinkGivesTheSameResultAsACleanOne() async throws {
        let runtime = try makeRuntime()
        let clean = try await runtime.run(RunRequest(device: fastSim, assay: "crp", sample: "S-3"))
        let damaged = try await runtime.run(RunRequest(device: fastSim + "&corrupt=2,9&drop=4&drop-done", assay: "crp",
                                                       sample: "S-4"))
        #expect(damaged.status == .completed)
        #expect(damaged.tcRatio == clean.tcRatio)
        #expect(damaged.concentration == clean.concentration)
        #expect(damaged.link?.rejectedFrames == 2)
        #expect(damaged.link?.refilledReadings == 96)   // frames 2, 4 and 9; SCAN_DONE recovered by GET_STATUS
    }

    @Test func aRecordedSessionReplaysToTheSameResult() async throws {
        let trace = try temporaryFolder().appendingPathComponent("session.jsonl")
        var config = SimulatedLFR.Configuration(profile: SyntheticStrip.crp(ratio: 0.35).profile())
        config.readingInterval = .zero
        let recorder = try RecordingTransport(wrapping: SimulatedLFR(config), to: trace, family: "lfr")
        let driver = LFRDriver(transport: recorder)
        _ = try await driver.identify()
        _ = try await driver.status()
        _ = try await driver.scan(LFRScanRequest(cartridgeID: "CRP26A07:004217", startUM: 0, endUM: 25000, stepUM: 50,
                                                 integrationMS: 4, ledPercent: 60))
        await driver.close()

        let runtime = try makeRuntime()
        let live = try await runtime.run(RunRequest(device: fastSim, assay: "crp", sample: "S-5"))
        let replayed = try await runtime.run(RunRequest(device: "replay:\(trace.path)", assay: "crp", sample: "S-6"))
        #expect(replayed.status == .completed)
        #expect(replayed.instrument.endpoint == "replay:\(trace.path)")
        #expect(replayed.tcRatio == live.tcRatio)
    }
}
