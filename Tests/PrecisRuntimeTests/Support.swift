import Foundation
import PrecisCore
import PrecisRuntime
import PrecisStore

/// The repository root, from this file's path.
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh temporary folder.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("precis-rt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A runtime over a new store and the repository's calibrations (or `calibration`).
func makeRuntime(calibration: URL? = nil, today: String = "2026-11-22") throws -> Runtime {
    let store = try Store(path: try temporaryFolder().appendingPathComponent("precis.sqlite").path)
    let catalog = CalibrationCatalog(directory: calibration ?? repoRoot.appendingPathComponent("Calibration"))
    let date = ISO8601DateFormatter().date(from: "\(today)T12:00:00Z")!
    return Runtime(store: store, catalog: catalog, clock: { date })
}

/// A copy of the repository's calibration folder in which `edit` may change the CRP lot's JSON.
func calibrationCopy(editingLot edit: (inout [String: Any]) -> Void) throws -> URL {
    let folder = try temporaryFolder().appendingPathComponent("Calibration")
    try FileManager.default.copyItem(at: repoRoot.appendingPathComponent("Calibration"), to: folder)
    let lotURL = folder.appendingPathComponent("lots/CRP26A07.json")
    var lot = try JSONSerialization.jsonObject(with: Data(contentsOf: lotURL)) as! [String: Any]
    edit(&lot)
    try JSONSerialization.data(withJSONObject: lot, options: [.sortedKeys]).write(to: lotURL)
    return folder
}

/// Fast simulated reader.
let fastSim = "sim:lfr?reading-ms=0"
