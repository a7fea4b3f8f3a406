import PrecisCore
import PrecisDrivers
import PrecisReplay
import Testing

/// Reads everything the simulator has queued until it stays quiet for 50 ms.
private func drain(_ sim: SimulatedPotentiostat) async throws -> String {
    var bytes: [UInt8] = []
    while true {
        do { bytes += try await sim.read(timeout: .milliseconds(50)) } catch let error as PrecisError where error.kind == .timeout {
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

@Test func answersQueriesLikeAPico() async throws {
    let sim = SimulatedPotentiostat()
    try await sim.write(Array("t\ni\nv\nZ\nq\n".utf8), timeout: .seconds(1))
    let out = try await drain(sim)
    #expect(out == "tespico1206#Jan  1 2026 00:00:00\nR*\niSIM-PICO-0001\nv01.09.00\nZ!0006\n!0003\n")
}

@Test func runsAVendorStyleScriptWithStoredVariables() async throws {
    let sim = SimulatedPotentiostat()
    let script = """
    e
    var potential
    var current
    var scan_begin
    store_var scan_begin -500m ja
    set_pgstat_mode 3
    cell_on
    meas_loop_lsv_is_not_simulated potential current
    """
    try await sim.write(Array((script + "\n\n").utf8), timeout: .seconds(1))
    #expect(try await drain(sim) == "e\n!4001: Line 7, Col 1\n")
    let dpv = """
    e
    var p
    var c
    var b
    store_var b -100m ja
    meas_loop_dpv p c b 100m 10m 25m 20m 50m # comment
      pck_start
      pck_add p
      pck_add c
      pck_end
    endloop

    """
    try await sim.write(Array((dpv + "\n").utf8), timeout: .seconds(1))
    var decoder = MethodSCRIPTDecoder()
    let messages = try decoder.step(Array(try await drain(sim).utf8))
    let packages = messages.compactMap { if case .package(let p) = $0 { p } else { nil } }
    #expect(packages.count == 21)
    #expect(packages.first?["da"]?.value == -0.1)
    #expect(messages.last == .endOfScript)
    #expect(await sim.scripts.count == 2)
}

@Test func abortMidScriptEndsTheOutputAsTheDeviceDoes() async throws {
    let sim = SimulatedPotentiostat()
    let script = try MethodSCRIPTScriptBuilder.script(.differentialPulse(
        DifferentialPulseVoltammetry(begin: -0.2, end: 0.6, step: 0.005, pulseAmplitude: 0.05, pulseTime: 0.05, scanRate: 0.05)))
    try await sim.write(script.bytes, timeout: .seconds(1))
    var head: [UInt8] = []
    for _ in 0..<3 { head += try await sim.read(timeout: .seconds(1)) }
    try await sim.write(Array("Z\n".utf8), timeout: .seconds(1))
    let all = String(decoding: head, as: UTF8.self) + (try await drain(sim))
    #expect(all.hasPrefix("e\nM0000\nP"))
    #expect(all.hasSuffix("Z\n*\n\n"))
    #expect(all.components(separatedBy: "\nP").count < 20)
}

@Test func disconnectedSimulatorRefusesEverything() async throws {
    let sim = SimulatedPotentiostat()
    await sim.close()
    await #expect(throws: PrecisError.self) { try await sim.read(timeout: .milliseconds(10)) }
    let error = await #expect(throws: PrecisError.self) { try await sim.write([0x0A], timeout: .milliseconds(10)) }
    #expect(error?.kind == .disconnected)
}
