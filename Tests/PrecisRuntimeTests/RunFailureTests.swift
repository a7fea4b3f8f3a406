import Foundation
import PrecisCore
import PrecisRuntime
import PrecisStore
import Testing

@Suite struct RunFailureTests {
    @Test func disconnectMidScanAbortsAndKeepsPartialData() async throws {
        let runtime = try makeRuntime()
        let report = try await runtime.run(RunRequest(device: fastSim + "&disconnect-after=5", assay: "crp", sample: "S-0002"))
        #expect(report.status == .aborted)
        #expect(report.error?.kind == .disconnected)
        #expect(report.error?.message.contains("went away") == true)
        #expect(report.raw.readings == 160)
        #expect(report.outbox.isEmpty)
        let run = try #require(try runtime.store.run(report.runId))
        #expect(run.status == .aborted)
        let raw = try #require(try runtime.store.rawTrace(forRun: report.runId))
        #expect(raw.profile.count == 160)
        #expect(!raw.complete)
        #expect(try runtime.store.result(forRun: report.runId) == nil)
        #expect(try runtime.queue().isEmpty)
    }

    @Test func cartridgePulledMidScanAborts() async throws {
        let runtime = try makeRuntime()
        let report = try await runtime.run(RunRequest(device: fastSim + "&remove-after=3", assay: "crp", sample: "S-0003"))
        #expect(report.status == .aborted)
        #expect(report.error?.kind == .deviceFault)
        #expect(report.raw.readings == 96)
    }

    @Test(arguments: [
        ("sim:xyz", ErrorKind.input, "no simulated 'xyz' device"),
        ("bogus", .input, "unknown device 'bogus'"),
        ("sim:lfr?reading-ms=x", .input, "reading-ms=x needs a whole number"),
    ])
    func badDevicesFailWithOneClearError(device: String, kind: ErrorKind, text: String) async throws {
        let runtime = try makeRuntime()
        await #expect { _ = try await runtime.run(RunRequest(device: device, assay: "crp", sample: "S-1")) } throws: { error in
            let e = error as? PrecisError
            return e?.kind == kind && e?.message.contains(text) == true
        }
    }

    @Test func aReaderFaultAbortsTheStartedRunWithTheReadersWords() async throws {
        let runtime = try makeRuntime()
        let report = try await runtime.run(RunRequest(device: fastSim + "&fault=lamp", assay: "crp", sample: "S-4"))
        #expect(report.status == .aborted)
        #expect(report.error?.kind == .deviceFault)
        #expect(report.error?.message.contains("LAMP_FAULT") == true)
        #expect(report.error?.hint == "the reader needs service (lamp)")
        #expect(report.raw.readings == 0)
    }

    @Test func unknownAssayNamesTheKnownOnes() async throws {
        let runtime = try makeRuntime()
        await #expect { _ = try await runtime.run(RunRequest(device: fastSim, assay: "troponin", sample: "S-1")) } throws: { error in
            let e = error as? PrecisError
            return e?.kind == .input && e?.message == "unknown assay 'troponin'" && e?.hint?.contains("crp") == true
        }
    }

    @Test func expiredLotStopsTheRunBeforeItStarts() async throws {
        let runtime = try makeRuntime(today: "2028-07-01")
        await #expect { _ = try await runtime.run(RunRequest(device: fastSim, assay: "crp", sample: "S-1")) } throws: { error in
            let e = error as? PrecisError
            return e?.kind == .calibration && e?.message == "lot CRP26A07 expired on 2028-06-30"
        }
        #expect(try runtime.store.runs().isEmpty)
    }

    @Test func missingLotIsACalibrationError() async throws {
        let runtime = try makeRuntime()
        await #expect { _ = try await runtime.run(RunRequest(device: fastSim + "&cartridge=CRP99Z99:000001", assay: "crp",
                                                             sample: "S-1")) } throws: { error in
            (error as? PrecisError)?.message.contains("no calibration for lot CRP99Z99") == true
        }
    }

    @Test(arguments: [
        ("model", #"{"type": "4PL", "a": 0.02, "b": 1.3, "d": 2.5}"#, "missing field 'model.c'"),
        ("expiry", #""next year""#, "field 'expiry'"),
        ("assay", #""pct""#, "the lot is for assay 'pct'"),
        ("measuringRange", #"{"low": 50.0, "high": 5.0}"#, "measuringRange"),
    ])
    func malformedLotNamesTheFileAndField(field: String, json: String, text: String) async throws {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        let runtime = try makeRuntime(calibration: try calibrationCopy { $0[field] = value })
        await #expect { _ = try await runtime.run(RunRequest(device: fastSim, assay: "crp", sample: "S-1")) } throws: { error in
            let e = error as? PrecisError
            return e?.kind == .calibration && e?.message.contains("Calibration/lots/CRP26A07.json") == true
                && e?.message.contains(text) == true
        }
    }

    @Test(arguments: ["John Smith", "", "ÄÖ-1", String(repeating: "x", count: 65)])
    func namesAreRefusedAsSampleIDs(sample: String) async throws {
        let runtime = try makeRuntime()
        await #expect { _ = try await runtime.run(RunRequest(device: fastSim, assay: "crp", sample: sample)) } throws: { error in
            (error as? PrecisError)?.kind == .input
        }
    }

    @Test func runsLeftRunningByADeadProcessAreClosedAsAborted() throws {
        let runtime = try makeRuntime()
        let reader = DeviceIdentity(family: "lfr", serial: "X", firmware: "1")
        try runtime.store.saveInstrument(reader, endpoint: "sim:lfr", at: Date())
        let host = ProcessInfo.processInfo.hostName
        let dead = try runtime.store.beginRun(NewRun(sampleID: "S-9", patientID: nil, assay: "crp", instrument: reader,
            endpoint: "sim:lfr", calibrationID: nil, cartridgeID: nil, operatorID: "t", owner: "999999@\(host)"), at: Date())
        let alive = try runtime.store.beginRun(NewRun(sampleID: "S-10", patientID: nil, assay: "crp", instrument: reader,
            endpoint: "sim:lfr", calibrationID: nil, cartridgeID: nil, operatorID: "t", owner: runtime.owner), at: Date())
        try runtime.recoverInterruptedRuns()
        #expect(try runtime.store.run(dead.id)?.status == .aborted)
        #expect(try runtime.store.run(dead.id)?.errorMessage?.contains("Precis stopped during the run") == true)
        #expect(try runtime.store.run(alive.id)?.status == .running)
    }
}
