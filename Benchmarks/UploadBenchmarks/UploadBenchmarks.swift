import Benchmark
import Foundation
import PrecisCore
import PrecisStore
import PrecisUpload

/// Upload: how fast results are queued durably, and delivered to a local test centre.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .peakMemoryResident], maxDuration: .seconds(10),
                                           maxIterations: 1000)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("precis-bench-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let reader = DeviceIdentity(family: "lfr", serial: "LFR-B", firmware: "1", instrumentCalibrationID: nil, model: "LFR-1")
    let result = NewResult(status: "FINAL", analyte: "C-reactive protein", loinc: Coding(code: "1988-5", display: "CRP"),
                           concentration: Concentration(value: 9.6, unit: "mg/L"), unit: "mg/L", decimals: 1, flags: [.high],
                           response: 0.35, analysisJSON: "{}", referenceRange: "< 5.0 mg/L", reason: nil)
    let raw = RawTrace(kind: "lfr-profile", profile: LineProfile(positionsUM: Array(stride(from: 0, through: 25_000, by: 50)),
                                                                  reflectance: Array(repeating: 40_000, count: 501)),
                       expectedCount: 501, complete: true)

    func addResults(_ store: Store, _ count: Int) throws {
        for i in 0..<count {
            let run = try store.beginRun(NewRun(sampleID: "S-\(i)", patientID: "P-1", assay: "crp", instrument: reader, endpoint: "sim",
                                                calibrationID: nil, cartridgeID: nil, operatorID: "b", owner: "1@b"), at: Date())
            _ = try store.completeRun(run.id, raw: raw, result: result, destinations: ["centre"], linkReport: nil, at: Date(), actor: "b")
        }
    }

    Benchmark("outbox enqueue: run + raw profile + result + outbox row in one durable transaction") { benchmark in
        let store = try Store(path: folder.appendingPathComponent("enqueue-\(UUID().uuidString).sqlite").path)
        try store.saveInstrument(reader, endpoint: "sim", at: Date())
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { try addResults(store, 1) }
    }

    Benchmark("delivery: 50 results to the local test centre (FHIR Bundles over HTTP)",
              configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(20), maxIterations: 20)) { benchmark in
        let centre = Process()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/PrecisUploadTests/centre/test_centre.py")
        centre.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        centre.arguments = ["python3", script.path, "--db", folder.appendingPathComponent("centre-\(UUID().uuidString).sqlite").path]
        let out = Pipe()
        centre.standardOutput = out
        try centre.run()
        defer { kill(centre.processIdentifier, SIGKILL) }
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        let port = Int(line.filter(\.isNumber)) ?? 0
        let store = try Store(path: folder.appendingPathComponent("deliver-\(UUID().uuidString).sqlite").path)
        try store.saveInstrument(reader, endpoint: "sim", at: Date())
        try addResults(store, 50 * benchmark.scaledIterations.count)
        var configuration = FHIRServerConfiguration(baseURL: "http://127.0.0.1:\(port)/fhir")
        configuration.gzip = true
        let destination = try FHIRDestination(configuration: configuration, sender: Sender(site: "bench", software: "bench"))
        let uploader = Uploader(store: store, destinations: [destination], owner: "1@bench")
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try await uploader.runOnce(limit: 50)) }
        benchmark.stopMeasurement()
        await destination.shutdown()
    }
}
