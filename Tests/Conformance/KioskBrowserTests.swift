import Foundation
import PrecisStore
import PrecisTestSupport
import Testing

/// The kiosk page in Debian's chromium, driven by selenium through chromium-driver
/// (`python/kiosk_browser.py`; every family's runs: `KioskFamilyBrowserTests.swift`), and
/// `/metrics` read by prometheus_client's parser. One browser at a time: on a 2-core box
/// chromiums side by side starve the kiosks they watch.
@Suite("Kiosk in a real browser", .serialized)
struct KioskBrowserTests {
    /// Where the screenshots go: `.build/kiosk-screenshots/`.
    static let screenshots = Repo.root.appendingPathComponent(".build/kiosk-screenshots")

    @Test("sign in, run sim:lfr crp, watch it finish, read the concentration, find it in the queue; /metrics parses")
    func browserRun() async throws {
        let kiosk = try await KioskProcess.launch(arguments: ["--training"])
        defer { kiosk.kill() }
        // this test's screenshots (the other families' are in folders of their own)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: Self.screenshots.path)) ?? [] where name.hasSuffix(".png") {
            try? FileManager.default.removeItem(at: Self.screenshots.appendingPathComponent(name))
        }
        let base = kiosk.baseURL, folder = Self.screenshots.path
        let output = try await offCooperativePool { try runReference("kiosk_browser.py", [base, folder, "op1", "1234", "S-7001"]) }
        print("kiosk screenshots in \(Self.screenshots.path)")
        let page = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])

        let store = try Store(path: kiosk.database)
        let run = try #require(try store.runs(limit: 1).first)
        #expect(run.sampleID == "S-7001" && run.status == .completed && run.operatorID == "op1")
        let result = try #require(try store.result(forRun: run.id))
        let value = try #require(result.concentration)
        let concentration = try #require(page["concentration"] as? String)
        #expect(concentration.hasSuffix(" mg/L"))
        let shown = Double(concentration.split(separator: " ").first { Double($0) != nil } ?? "")
        #expect(shown.map { abs($0 - value.value) < 0.051 } == true, "page shows \(concentration), store has \(value.value)")
        #expect((page["queueRow"] as? String)?.contains("S-7001") == true)
        #expect((page["queueRow"] as? String)?.contains("pending") == true)

        let shots = page["screenshots"] as? [String] ?? []
        #expect(shots.count == 6)
        #expect(page["trainingShown"] as? [Bool] == Array(repeating: true, count: 6), "training mode is shown on every screen")
        #expect((page["flags"] as? String)?.contains("TRAINING") == true, "the result says it is a training one")
        for shot in shots { #expect(FileManager.default.fileExists(atPath: shot), "\(shot)") }
        #expect((page["viewport"] as? [Int]) == [1024, 600, 1024], "the page fits 1024x600 without scrolling sideways")
        let smallest = try #require(page["smallestTouchTargetPx"] as? Double)
        #expect(smallest >= 34, "9 mm is 34 CSS px at 96 px/in; the smallest target is \(smallest) px")
        #expect((page["bodyFontPx"] as? Double ?? 0) >= 18)

        let families = page["metricFamilies"] as? [String] ?? []
        for family in ["precis_runs", "precis_results", "precis_upload_queue_depth", "precis_upload_failures",
                       "precis_samples", "precis_samples_per_second", "precis_ring_overflows"] {
            #expect(families.contains(family), "\(family) in \(families)")
        }
        #expect(page["runsCompleted"] as? Double == 1)
        #expect(page["queueDepth"] as? Double == 1)
        #expect(page["samplesTotal"] as? Double == 501)
    }
}
