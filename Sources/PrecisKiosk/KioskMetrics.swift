import Foundation
import Prometheus
import PrecisCore
import PrecisRuntime
import PrecisStore

/// The kiosk's metrics in the Prometheus text format (`GET /metrics`): what is in the
/// store (runs, results by flag, queue depth, upload failures, bytes, parts and retries sent
/// to the S3 inbox) read at each scrape, and
/// what this process saw (runs finished, readings and their rate, receive-ring overflows).
final class KioskMetrics: @unchecked Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let lock = NSLock()
    private let samples: Counter
    private let overflows: Counter
    private let samplesPerSecond: Gauge
    private var window: [(at: ContinuousClock.Instant, count: Int)] = []
    private let refreshLock = NSLock()
    private var storeCount: Int64?

    init() {
        samples = registry.makeCounter(name: "precis_samples_total",
                                       help: "Readings received from instruments by this process.")
        overflows = registry.makeCounter(name: "precis_ring_overflows_total",
                                         help: "Runs aborted because a USB receive ring overflowed.")
        samplesPerSecond = registry.makeGauge(name: "precis_samples_per_second",
                                              help: "Readings received per second over the last 5 seconds.")
    }

    /// Counts `count` readings that just arrived.
    func samplesReceived(_ count: Int) {
        samples.increment(by: Int64(count))
        lock.withLock { window.append((ContinuousClock.now, count)) }
    }

    /// Counts a finished run by status.
    func runFinished(_ report: RunReport, seconds: Double) {
        registry.makeCounter(name: "precis_runs_finished_total", labels: [("status", report.status.rawValue)],
                             help: "Runs this process finished, by status.").increment()
        if report.error?.cause == .receiveOverflow { overflows.increment() }
    }

    /// The exposition text, refreshing the store-derived gauges first when the store has changed
    /// since they were read (`Store.changeCount`): an unchanged store's counts are the ones read
    /// last, so a scrape costs the store one single-row read.
    func render(store: Store, activeRuns: Int, eventClients: Int) -> String {
        refreshLock.withLock {
            let count = try? store.changeCount()
            guard count == nil || count != storeCount else { return }
            refreshStoreGauges(store)
            storeCount = count
        }
        registry.makeGauge(name: "precis_active_runs", help: "Runs the kiosk is driving now.").set(Int64(activeRuns))
        registry.makeGauge(name: "precis_event_clients", help: "Clients listening to /api/v1/events.").set(Int64(eventClients))
        samplesPerSecond.set(currentRate())
        return registry.emitToString()
    }

    /// Sets the gauges read from the store: runs, results, the queue, failures, sequencing.
    private func refreshStoreGauges(_ store: Store) {
        if let counts = try? store.counts() {
            for status in RunStatus.allCases.map(\.rawValue) {
                gauge("precis_runs", "Runs in the store, by status.", ("status", status)).set(Int64(counts.runsByStatus[status] ?? 0))
            }
            for (flag, n) in counts.resultsByFlag {
                gauge("precis_results", "Current results in the store, by flag (none: no flag).", ("flag", flag)).set(Int64(n))
            }
            for (status, n) in counts.resultsByStatus {
                gauge("precis_results_by_status", "Current results in the store, by status.", ("status", status)).set(Int64(n))
            }
            for state in OutboxState.allCases.map(\.rawValue) {
                gauge("precis_upload_queue", "Outbox entries, by state.", ("state", state)).set(Int64(counts.outboxByState[state] ?? 0))
            }
            let waiting = [OutboxState.pending, .inFlight, .failed].reduce(0) { $0 + (counts.outboxByState[$1.rawValue] ?? 0) }
            registry.makeGauge(name: "precis_upload_queue_depth", help: "Outbox entries not yet delivered.").set(Int64(waiting))
            registry.makeGauge(name: "precis_upload_failures", help: "Failed delivery attempts recorded in the audit log.")
                .set(Int64(counts.uploadFailures))
        }
        if let sequencing = try? store.sequencingSummary() {
            for status in [RunStatus.running, .completed, .aborted].map(\.rawValue) {
                gauge("precis_sequencing_runs", "Sequencing runs in the store, by status.", ("status", status))
                    .set(Int64(sequencing.runsByStatus[status] ?? 0))
            }
            let t = sequencing.totals
            registry.makeGauge(name: "precis_sequencing_reads", help: "Reads written by stored sequencing runs.").set(Int64(t.reads))
            registry.makeGauge(name: "precis_sequencing_samples", help: "Samples taken off the stream by stored sequencing runs.")
                .set(t.samples)
            registry.makeGauge(name: "precis_sequencing_lost_packets", help: "Stream packets lost before the host (sequence gaps).")
                .set(t.lostPackets)
            registry.makeGauge(name: "precis_sequencing_ring_overflows",
                               help: "Stream packets the sequencing ring had no room for (stored runs).").set(t.ringOverflows)
        }
        if let inbox = try? store.inboxTotals() {
            registry.makeGauge(name: "precis_inbox_bytes_sent", help: "Bytes sent to the centre's S3 inbox (retries included).")
                .set(Int64(inbox.bytes))
            registry.makeGauge(name: "precis_inbox_parts_sent", help: "Parts the centre's S3 inbox took.").set(Int64(inbox.parts))
            registry.makeGauge(name: "precis_inbox_retries", help: "Requests to the centre's S3 inbox sent again after a failure.")
                .set(Int64(inbox.retries))
        }
    }

    private func gauge(_ name: String, _ help: String, _ label: (String, String)) -> Gauge {
        registry.makeGauge(name: name, labels: [label], help: help)
    }

    private func currentRate() -> Double {
        let now = ContinuousClock.now
        return lock.withLock {
            window.removeAll { now - $0.at > .seconds(5) }
            return Double(window.reduce(0) { $0 + $1.count }) / 5
        }
    }
}
