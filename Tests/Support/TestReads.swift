import Foundation
import PrecisCore
import PrecisStore

/// A reads file of `size` made-up bytes: one pseudo-random MiB, each copy of it stamped with
/// its number in its first 8 bytes (fast in a debug build, and no two MiB alike).
public func makeReadsFile(_ url: URL, size: Int, seed: UInt64 = 7) throws {
    FileManager.default.createFile(atPath: url.path, contents: nil)
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    var state = seed
    var words = [UInt64](repeating: 0, count: (1 << 20) / 8)
    for i in words.indices {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        words[i] = state
    }
    var left = size, number: UInt64 = 0
    while left > 0 {
        words[0] = number
        number += 1
        let n = min(left, 1 << 20)
        try words.withUnsafeBytes { try handle.write(contentsOf: Data($0.prefix(n))) }
        left -= n
    }
}

/// A store with one sequencing run whose result names the reads file at `reads`, queued for the
/// inbox first (stage 0) and then `destinations`.
public func storeWithReads(_ reads: URL, at path: String, destinations: [String] = ["centre"]) throws -> Store {
    let store = try Store(path: path)
    let sequencer = DeviceIdentity(family: "nps", serial: "NPS-0007", firmware: "1.0.0", instrumentCalibrationID: nil, model: "NPS-1")
    try store.saveInstrument(sequencer, endpoint: "sim:nps", at: Date())
    let run = try store.beginRun(NewRun(sampleID: "S-0100", patientID: "P-0042", assay: "nanopore-yield", instrument: sequencer,
                                        endpoint: "sim:nps", calibrationID: nil, cartridgeID: nil, operatorID: "tech1",
                                        owner: "1@test"), at: Date())
    let raw = try NewRawData.reads(path: reads.path, digest: try FileDigest.sha256(path: reads.path), totals: SequencingTotals(),
                                   seconds: 1, complete: true)
    let result = NewResult(status: .final, analyte: "Sequencing yield", loinc: Coding(code: "LA-TEST", display: "yield"),
                           concentration: Concentration(value: 1, unit: "{reads}"), unit: "{reads}", decimals: 0, flags: [],
                           response: nil, analysisJSON: "{}", referenceRange: nil, reason: nil, rawDataIndex: 0)
    _ = try store.completeRun(run.id, raw: [raw], results: [result], destinations: destinations, fileDestinations: ["inbox"],
                              linkReport: nil, at: Date(), actor: "tech1")
    return store
}
