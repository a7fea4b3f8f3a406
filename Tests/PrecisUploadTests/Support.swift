import Foundation
import PrecisCore
import PrecisStore
import PrecisTestSupport

/// A store holding `count` completed runs with results queued for `destinations`, written
/// through the Store API (the chaos test needs many results quickly; the runs themselves
/// are tested elsewhere).
func storeWithResults(_ count: Int, at path: String, destinations: [String] = ["centre"], patient: String? = "P-0042") throws -> Store {
    let store = try Store(path: path)
    let reader = DeviceIdentity(family: "lfr", serial: "LFR-0042", firmware: "2.3.1", instrumentCalibrationID: "OPT-1", model: "LFR-1")
    try store.saveInstrument(reader, endpoint: "sim:lfr", at: Date())
    for i in 1...count {
        let run = try store.beginRun(NewRun(sampleID: String(format: "S-%05d", i), patientID: patient, assay: "crp",
                                            instrument: reader, endpoint: "sim:lfr", calibrationID: nil, cartridgeID: "CRP26A07:\(i)",
                                            operatorID: "tech1", owner: "1@test"), at: Date())
        let value = 1.0 + Double(i % 200)
        _ = try store.completeRun(run.id, raw: RawTrace(kind: "lfr-profile", profile: LineProfile(positionsUM: [0, 50],
                                  reflectance: [40000, 40001]), expectedCount: 2, complete: true),
                                  result: NewResult(status: .final, analyte: "C-reactive protein",
                                                    loinc: Coding(code: "1988-5", display: "C reactive protein [Mass/volume] in Serum or Plasma"),
                                                    concentration: Concentration(value: value, unit: "mg/L"), unit: "mg/L", decimals: 1,
                                                    flags: value > 5 ? [.high] : [], response: 0.3, analysisJSON: "{}",
                                                    referenceRange: "< 5.0 mg/L", reason: nil),
                                  destinations: destinations, linkReport: nil, at: Date(), actor: "tech1")
    }
    return store
}

/// A configuration file pointing at `centre`, with short retries for tests.
func writeConfiguration(centre: String, in folder: URL, base: Double = 0.2, cap: Double = 2, lease: Double = 2,
                        extra: [String: Any] = [:]) throws -> String {
    // A request never outlasts the lease (the configuration refuses that).
    var centreConfig: [String: Any] = ["baseURL": centre, "timeoutSeconds": min(3, lease * 0.6)]
    for (k, v) in extra { centreConfig[k] = v }
    let config: [String: Any] = ["site": "test-bench", "centre": centreConfig,
                                 "upload": ["baseSeconds": base, "capSeconds": cap, "leaseSeconds": lease]]
    let url = folder.appendingPathComponent("config.json")
    try JSONSerialization.data(withJSONObject: config).write(to: url)
    return url.path
}
