import Foundation
import PrecisCore
import PrecisDrivers
import PrecisReplay
import PrecisSignal
import Testing

private let faraday = 96485.33212
private let dpv = DifferentialPulseVoltammetry(begin: -0.2, end: 0.6, step: 0.005, pulseAmplitude: 0.05,
                                               pulseTime: 0.05, scanRate: 0.05)

private func driver(_ sim: SimulatedPotentiostat, lineTimeout: Duration = .seconds(5)) -> MethodSCRIPTDriver {
    var options = MethodSCRIPTDriver.Options()
    options.lineTimeout = lineTimeout
    options.replyTimeout = .seconds(1)
    return MethodSCRIPTDriver(transport: sim, options: options)
}

private final class Events: @unchecked Sendable {
    private var list: [MethodSCRIPTEvent] = []
    func add(_ event: MethodSCRIPTEvent) { list.append(event) }
    var all: [MethodSCRIPTEvent] { list }
}

@Test func identifyReadsFirmwareSerialAndVersion() async throws {
    let ms = driver(SimulatedPotentiostat())
    let identity = try await ms.identify()
    #expect(identity.family == "methodscript")
    #expect(identity.serial == "SIM-PICO-0001")
    #expect(identity.firmware == "espico1206#Jan  1 2026 00:00:00 R")
    #expect(identity.model == "EmStat Pico")
    #expect(await ms.deviceType == .emStatPico)
    #expect(await ms.methodSCRIPTVersion == "01.09.00")
}

@Test func abortWhenIdleIsQuiet() async throws {
    let ms = driver(SimulatedPotentiostat())
    try await ms.abort()
    try await ms.abort()
    #expect(try await ms.identify().serial == "SIM-PICO-0001")
}

@Test func dpvEndToEndFindsThePeakAtTheSimulatedPotential() async throws {
    let cell = SimulatedPotentiostat.Cell()
    let sim = SimulatedPotentiostat(cell: cell)
    let events = Events()
    let result = try await driver(sim).run(.differentialPulse(dpv)) { events.add($0) }
    #expect(result.packages.count == 161)
    #expect(events.all.filter { if case .package = $0 { true } else { false } }.count == 161)
    #expect(events.all.first == .started)
    #expect(result.curves.count == 1)
    let peaks = try VoltammetricPeakFinder.peaks(potentials: result.values("da"), currents: result.values("ba"))
    #expect(peaks.count == 1)
    let peak = try #require(peaks.first)
    // Peak at E°' − ΔE/2 with height nFAC√(D/πt_p)·(σ−1)/(σ+1), σ = exp(nFΔE/2RT).
    #expect(abs(peak.potential - (cell.formalPotential - 0.025)) < 0.0005)
    let sigma = exp(cell.f * 0.025)
    let expected = faraday * cell.area * cell.concentration * (cell.diffusion / (Double.pi * 0.05)).squareRoot()
        * (sigma - 1) / (sigma + 1)
    #expect(abs(peak.height / expected - 1) < 0.005)
    #expect(await sim.scripts.count == 1)
}

@Test func oneByteReadsGiveTheSameResult() async throws {
    var faults = SimulatedPotentiostat.Faults()
    faults.chunkSize = 1
    let bytewise = try await driver(SimulatedPotentiostat(faults: faults)).run(.differentialPulse(dpv))
    let chunked = try await driver(SimulatedPotentiostat()).run(.differentialPulse(dpv))
    #expect(bytewise == chunked)
}

@Test func cvEndToEndGivesScansAndTheReversiblePeak() async throws {
    let cell = SimulatedPotentiostat.Cell()
    let cv = CyclicVoltammetry(begin: -0.2, vertex1: 0.6, vertex2: -0.2, step: 0.001, scanRate: 0.1, scans: 2)
    let result = try await driver(SimulatedPotentiostat(cell: cell)).run(.cyclicVoltammetry(cv))
    #expect(result.curves.count == 2)
    let e = result.values("da", curve: 0), i = result.values("ba", curve: 0)
    let forward = try #require(VoltammetricPeakFinder.sweeps(e).first)
    var options = VoltammetricPeakOptions()
    options.baseline = .none
    let anodic = try #require(try VoltammetricPeakFinder.peaks(potentials: Array(e[forward]), currents: Array(i[forward]),
                                                                options: options).max { $0.height < $1.height })
    // Reversible wave: E_p = E°' + 1.109 RT/nF; i_p = 0.4463 nFAC√(nFvD/RT) (Randles–Ševčík), plus charging.
    #expect(abs(anodic.potential - (cell.formalPotential + 1.109 / cell.f)) < 0.001)
    let randlesSevcik = 0.4463 * faraday * cell.area * cell.concentration * (cell.f * 0.1 * cell.diffusion).squareRoot()
    let charging = cell.capacitance * cell.area * 0.1
    #expect(abs((anodic.height - charging) / randlesSevcik - 1) < 0.005)
}

@Test func swvPackagesCarryNetForwardAndReverseCurrents() async throws {
    let swv = SquareWaveVoltammetry(begin: -0.2, end: 0.6, step: 0.005, amplitude: 0.025, frequency: 10)
    let cell = SimulatedPotentiostat.Cell()
    let result = try await driver(SimulatedPotentiostat(cell: cell)).run(.squareWave(swv))
    let first = try #require(result.packages.first)
    #expect(first.variables.map(\.type.code) == ["da", "ba", "ba", "ba"])
    let peak = try #require(try VoltammetricPeakFinder.peaks(potentials: result.values("da"), currents: result.values("ba")).first)
    #expect(abs(peak.potential - cell.formalPotential) < 0.0005)
}

@Test func caStreamsTimeAndSettlesOnAMicrodisk() async throws {
    var cell = SimulatedPotentiostat.Cell()
    cell.radius = 5e-4
    let result = try await driver(SimulatedPotentiostat(cell: cell)).run(
        .chronoamperometry(Chronoamperometry(potential: 0.6, interval: 0.05, duration: 10)))
    let t = result.values("eb"), i = result.values("ba")
    #expect(t.count == 200 && t.first == 0.05 && t.last == 10)
    guard case .settled(let current, let time) = try SteadyStateDetector.detect(times: t, currents: i) else {
        Issue.record("microdisk current did not settle"); return
    }
    let limiting = 4 * faraday * cell.diffusion * cell.concentration * cell.radius
    #expect(time > 1 && time < 4)
    #expect(current > limiting && current < limiting * 1.05)
}

@Test func streamDeliversEventsAsTheyArrive() async throws {
    var count = 0
    for try await event in driver(SimulatedPotentiostat()).measure(try MethodSCRIPTScriptBuilder.script(.differentialPulse(dpv))) {
        if case .package = event { count += 1 }
    }
    #expect(count == 161)
}

// MARK: - Faults

private func runFaulty(_ configure: (inout SimulatedPotentiostat.Faults) -> Void,
                       lineTimeout: Duration = .seconds(5)) async -> PrecisError? {
    var faults = SimulatedPotentiostat.Faults()
    configure(&faults)
    do {
        _ = try await driver(SimulatedPotentiostat(faults: faults), lineTimeout: lineTimeout).run(.differentialPulse(dpv))
        return nil
    } catch {
        return error.asPrecisError
    }
}

@Test func truncatedPackageIsAProtocolErrorNotANumber() async {
    let error = await runFaulty { $0.truncatePackage = 3 }
    #expect(error?.kind == .protocol)
    #expect(error?.message.contains("corrupt data package") == true)
}

@Test func deviceErrorCodeBecomesADeviceFault() async {
    let error = await runFaulty { $0.errorBeforePackage = 5; $0.errorCode = 0x0032 }
    #expect(error?.kind == .deviceFault)
    #expect(error?.message.contains("0x0032") == true)
    #expect(error?.message.contains("overload") == true)
}

@Test func disconnectMidPackageIsDisconnectedAndSaysTheLineWasCut() async {
    let error = await runFaulty { $0.disconnectInPackage = 4 }
    #expect(error?.kind == .disconnected)
    #expect(error?.message.contains("cut off") == true)
}

@Test func silentDeviceTimesOut() async {
    let clock = ContinuousClock(), start = clock.now
    let error = await runFaulty({ $0.silentBeforePackage = 2 }, lineTimeout: .milliseconds(200))
    #expect(error?.kind == .timeout)
    // It gives up rather than waiting for ever (the device never answers). The bound is loose: on
    // 2 cores, the tests that wait on child processes (CLI, kiosk, browser) hold Swift's two
    // cooperative threads for tens of seconds, and a 200 ms timer then fires late (31 s seen).
    #expect(clock.now - start < .seconds(90))
}

@Test func slowDeviceWithinTheLineTimeoutStillCompletes() async throws {
    var faults = SimulatedPotentiostat.Faults()
    faults.packageDelay = .milliseconds(2)
    let clock = ContinuousClock(), start = clock.now
    let result = try await driver(SimulatedPotentiostat(faults: faults), lineTimeout: .milliseconds(500)).run(.differentialPulse(dpv))
    #expect(result.packages.count == 161)
    #expect(clock.now - start >= .milliseconds(322))
    let error = await runFaulty({ $0.packageDelay = .milliseconds(300) }, lineTimeout: .milliseconds(100))
    #expect(error?.kind == .timeout)
}

@Test func unknownScriptCommandIsAScriptDeviceFaultWithItsLine() async throws {
    let script = MethodSCRIPTScript(lines: ["var p", "var c", "frobnicate 3"])
    let error = await #expect(throws: PrecisError.self) { try await driver(SimulatedPotentiostat()).run(script) }
    #expect(error?.kind == .deviceFault)
    #expect(error?.message.contains("0x4001") == true)
    #expect(error?.message.contains("line 3") == true)
}
