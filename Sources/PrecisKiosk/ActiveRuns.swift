import Foundation
import PrecisCore
import PrecisRuntime

/// A run the kiosk is driving, as the page and the API show it: its phase, the trace so
/// far, and at the end its report.
public struct ActiveRun: Sendable, Codable {
    /// The kiosk's handle for the run (the store's run id comes once the run is stored).
    public var ticket: String
    /// The device address.
    public var device: String
    /// The assay id.
    public var assay: String
    /// The pseudonymous sample id.
    public var sample: String
    /// Who started it.
    public var operatorID: String
    /// connecting, waiting-for-cartridge, reading, operator-step (`step` says which), analysing, finished, failed.
    public var phase: String
    /// The store's run id, once stored.
    public var runId: Int64?
    /// The cartridge in the reader.
    public var cartridge: String?
    /// Readings received and expected.
    public var received: Int
    /// Readings the scan will yield.
    public var total: Int?
    /// The trace so far: positions (µm) and reflectance counts.
    public var positionsUM: [Int]
    /// The trace so far: reflectance counts.
    public var reflectance: [Int]
    /// A plate's cycles so far (the target dye's fluorescence per well), as sent on `plate-cycle`.
    public var plateCycles: [PlateCycle] = []
    /// A voltammogram so far: potentials (V) and currents (A), as sent on `voltammogram`.
    public var potentials: [Double] = []
    public var currents: [Double] = []
    /// The step the run waits for the operator to carry out (an absorbance run's dark, blank, sample).
    public var step: OperatorStep? = nil
    /// An absorbance run's spectra so far, as sent on `spectrum`.
    public var spectra: [SpectrumTaken] = []
    /// The outcome, once finished.
    public var report: RunReport?
    /// Why it failed before it was stored.
    public var error: String?
    /// When the kiosk started it.
    public var startedAt: Date

    /// Whether the run is still going.
    var isLive: Bool { phase != "finished" && phase != "failed" }
}

/// An absorbance run's spectrum as it was taken, as sent on the `spectrum` event.
struct SpectrumBatch: Codable, Sendable {
    var ticket: String
    var runId: Int64?
    var spectrum: SpectrumTaken
    var received: Int
    var total: Int?
}

/// A batch of the live trace, as sent on the `trace` event.
struct TraceBatch: Codable, Sendable {
    var ticket: String
    var runId: Int64?
    var first: Int
    var positionsUM: [Int]
    var reflectance: [Int]
    var received: Int
    var total: Int?
}

/// A plate's cycle, as sent on the `plate-cycle` event: the target dye's fluorescence in
/// each well of the layout.
struct PlateCycleBatch: Codable, Sendable {
    var ticket: String
    var runId: Int64?
    var cycle: Int
    var cycles: Int
    var dye: String
    var wells: [String]
    var types: [String]
    var fluorescence: [Double]
    var received: Int
    var total: Int?
}

/// Points of a voltammogram, as sent on the `voltammogram` event.
struct VoltammogramBatch: Codable, Sendable {
    var ticket: String
    var runId: Int64?
    var first: Int
    var potentials: [Double]
    var currents: [Double]
    var received: Int
    var total: Int?
}

/// The runs in progress: started from the API, watched by the page, drained on stop.
final class ActiveRuns: @unchecked Sendable {
    private let lock = NSLock()
    private var runs: [String: ActiveRun] = [:]
    private var failures: [String: PrecisError] = [:]
    private var tasks: [String: Task<Void, Never>] = [:]
    private var draining = false
    /// The instrument each ticket's run uses (`Runtime.instrumentKey`), for refusing a second run on it.
    private var instruments: [String: String] = [:]
    /// The step each run waits for the operator to confirm on the page, and the confirmations given.
    private var pendingSteps: [String: OperatorStep] = [:]
    private var confirmedSteps: Set<String> = []
    let runtime: Runtime
    let hub: EventHub
    let metrics: KioskMetrics

    init(runtime: Runtime, hub: EventHub, metrics: KioskMetrics) {
        self.runtime = runtime
        self.hub = hub
        self.metrics = metrics
    }

    /// Every run this kiosk drives or drove, newest first.
    func all() -> [ActiveRun] { lock.withLock { runs.values.sorted { $0.startedAt > $1.startedAt } } }

    /// How many are still going.
    var liveCount: Int { lock.withLock { runs.values.filter(\.isLive).count } }

    /// Starts `request` in the background and returns once it is stored, waiting for a
    /// cartridge, or refused (a refusal before the run is stored is thrown).
    func start(_ request: RunRequest) async throws -> ActiveRun {
        let ticket = UUID().uuidString.lowercased()
        let run = ActiveRun(ticket: ticket, device: request.device, assay: request.assay, sample: request.sample,
                            operatorID: request.operatorID, phase: "connecting", runId: nil, cartridge: nil, received: 0,
                            total: nil, positionsUM: [], reflectance: [], report: nil, error: nil, startedAt: Date())
        let instrument = Runtime.instrumentKey(request.device)
        try lock.withLock {
            if draining { throw APIError(503, "the kiosk is stopping: no new runs") }
            if runs.values.contains(where: { $0.isLive && instruments[$0.ticket] == instrument }) {
                throw APIError(409, "\(request.device) is busy with another run")
            }
            runs = runs.filter { $0.value.isLive || $0.value.startedAt > Date().addingTimeInterval(-3600) }
            instruments = instruments.filter { runs[$0.key] != nil }
            runs[ticket] = run
            instruments[ticket] = instrument
        }
        hub.publish("run", run)
        var request = request
        let wait = request.cartridgeWait
        request.operatorSteps = { [weak self] step in try await self?.awaitStep(ticket, step, wait: wait) }
        let task = Task { await self.drive(ticket, request) }
        lock.withLock { tasks[ticket] = task }
        return try await settled(ticket)
    }

    private func drive(_ ticket: String, _ request: RunRequest) async {
        let began = ContinuousClock.now
        do {
            let report = try await runtime.run(request) { event in self.handle(ticket, event) }
            metrics.runFinished(report, seconds: Self.seconds(ContinuousClock.now - began))
            update(ticket) { $0.phase = "finished"; $0.report = report; $0.runId = report.runId }
            hub.publish("result", report)
            if let queue = try? runtime.queue() { hub.publish("queue", queue) }   // its results wait there now
        } catch {
            let failure = error.asPrecisError
            lock.withLock { failures[ticket] = failure }
            update(ticket) { $0.phase = "failed"; $0.error = failure.message + (failure.hint.map { " — \($0)" } ?? "") }
        }
        lock.withLock { tasks[ticket] = nil }
    }

    private func handle(_ ticket: String, _ event: RunEvent) {
        switch event {
        case .connected: break
        case .waitingForCartridge: update(ticket) { $0.phase = "waiting-for-cartridge" }
        case let .cartridge(id, _): update(ticket) { $0.cartridge = id }
        case .started(let runID): update(ticket) { $0.runId = runID; $0.phase = "reading" }
        case .analysing: update(ticket) { $0.phase = "analysing" }
        case let .progress(received, total):
            lock.withLock { runs[ticket]?.received = received; runs[ticket]?.total = total }
        case let .readings(first, positions, reflectance):
            metrics.samplesReceived(reflectance.count)
            let batch: TraceBatch? = lock.withLock {
                guard var run = runs[ticket] else { return nil }
                run.positionsUM += positions
                run.reflectance += reflectance.map(Int.init)
                runs[ticket] = run
                return TraceBatch(ticket: ticket, runId: run.runId, first: first, positionsUM: positions,
                                  reflectance: reflectance.map(Int.init), received: run.received, total: run.total)
            }
            if let batch { hub.publish("trace", batch) }
        case .channels(let snapshot):
            let runID = lock.withLock { runs[ticket]?.runId }
            hub.publish("channels", ChannelsBatch(ticket: ticket, runId: runID, snapshot: snapshot))
        case .cycle(let cycle):
            let batch: PlateCycleBatch? = lock.withLock {
                guard var run = runs[ticket] else { return nil }
                run.plateCycles.append(cycle)
                runs[ticket] = run
                return PlateCycleBatch(ticket: ticket, runId: run.runId, cycle: cycle.cycle, cycles: cycle.cycles, dye: cycle.dye,
                                       wells: cycle.wells, types: cycle.types, fluorescence: cycle.fluorescence,
                                       received: run.received, total: run.total)
            }
            if let batch { hub.publish("plate-cycle", batch) }
        case .voltammogram(let points):
            let batch: VoltammogramBatch? = lock.withLock {
                guard var run = runs[ticket] else { return nil }
                run.potentials += points.potentials
                run.currents += points.currents
                runs[ticket] = run
                return VoltammogramBatch(ticket: ticket, runId: run.runId, first: points.first, potentials: points.potentials,
                                         currents: points.currents, received: run.received, total: run.total)
            }
            if let batch { hub.publish("voltammogram", batch) }
        case .step(let step):
            lock.withLock { pendingSteps[ticket] = step; confirmedSteps.remove(ticket) }
            update(ticket) { $0.phase = "operator-step"; $0.step = step }
        case .spectrum(let spectrum):
            let batch: SpectrumBatch? = lock.withLock {
                guard var run = runs[ticket] else { return nil }
                run.spectra.append(spectrum)
                run.step = nil
                pendingSteps[ticket] = nil
                if run.phase == "operator-step" { run.phase = "reading" }
                runs[ticket] = run
                return SpectrumBatch(ticket: ticket, runId: run.runId, spectrum: spectrum, received: run.received, total: run.total)
            }
            if let batch { hub.publish("spectrum", batch) }
        }
    }

    private func update(_ ticket: String, _ change: (inout ActiveRun) -> Void) {
        let run: ActiveRun? = lock.withLock {
            guard var run = runs[ticket] else { return nil }
            change(&run)
            runs[ticket] = run
            return run
        }
        if var run {
            run.positionsUM = []
            run.reflectance = []
            run.plateCycles = []
            run.potentials = []
            run.currents = []
            run.spectra = []
            hub.publish("run", run)
        }
    }

    /// Waits until the operator confirms `step` of the run `ticket` on the page (`confirmStep`),
    /// at most `wait`; a run cancelled meanwhile (the kiosk stopping) stops waiting.
    private func awaitStep(_ ticket: String, _ step: OperatorStep, wait: Duration) async throws {
        // The step was announced (`RunEvent.step`, before this wait): a confirmation may already be in.
        defer { lock.withLock { pendingSteps[ticket] = nil; confirmedSteps.remove(ticket) } }
        let deadline = ContinuousClock.now + wait
        while !lock.withLock({ confirmedSteps.contains(ticket) }) {
            guard ContinuousClock.now < deadline else {
                throw PrecisError(.timeout, "nobody confirmed step \(step.number) (\(step.instruction)) within \(wait)",
                                  hint: "start the run again and confirm each step on the page")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The operator has carried out the step run `ticket` waits for (`POST /api/v1/runs/{ticket}/step`):
    /// 404 for no such run, 409 when it waits for no step or for another than `id`.
    func confirmStep(_ ticket: String, id: String?) throws -> ActiveRun {
        try lock.withLock {
            guard runs[ticket] != nil else { throw APIError(404, "no run \(ticket) on this kiosk") }
            guard let step = pendingSteps[ticket] else { throw APIError(409, "run \(ticket) is not waiting for a step") }
            if let id, id != step.id { throw APIError(409, "run \(ticket) waits for step '\(step.id)', not '\(id)'") }
            confirmedSteps.insert(ticket)
            pendingSteps[ticket] = nil
        }
        // The run reads again: a page (or a second one) no longer offers the step.
        update(ticket) { $0.phase = "reading"; $0.step = nil }
        guard let run = lock.withLock({ runs[ticket] }) else { throw APIError(404, "no run \(ticket) on this kiosk") }
        return run
    }

    /// Waits until the run is stored, waits for a cartridge, or has ended.
    private func settled(_ ticket: String) async throws -> ActiveRun {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let (run, failure) = lock.withLock { (runs[ticket], failures[ticket]) }
            if let failure, run?.runId == nil { throw failure }
            if let run, run.runId != nil || run.phase != "connecting" { return run }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard let run = lock.withLock({ runs[ticket] }) else { throw APIError(500, "run \(ticket) vanished") }
        return run
    }

    /// Refuses new runs from now on.
    func beginDrain() { lock.withLock { draining = true } }

    /// Lets the runs in progress finish within `timeout`, then cancels the rest (the runtime
    /// records each as ABORTED with its partial raw data) and waits for them to be stored.
    func drain(timeout: Duration) async {
        beginDrain()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, !lock.withLock({ tasks.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let remaining = lock.withLock { Array(tasks.values) }
        for task in remaining { task.cancel() }
        for task in remaining { await task.value }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// A sequencing run's channel states and totals as the `channels` event carries them.
struct ChannelsBatch: Encodable {
    var ticket: String
    var runId: Int64?
    var snapshot: SequencingSnapshot
}
