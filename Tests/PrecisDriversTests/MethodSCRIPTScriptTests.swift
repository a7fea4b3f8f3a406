import PrecisCore
import PrecisDrivers
import Testing

@Test(arguments: [
    (0.5, "500m"), (-0.5, "-500m"), (0.1, "100m"), (2.0, "2"), (1e-9, "1n"), (1000.0, "1k"),
    (0.0, "0"), (0.0123456, "12345600n"), (-0.015, "-15m"), (100e-6, "100u"), (0.005, "5m"), (40.0, "40"),
])
func literalsUseAnIntegerWithTheLargestExactPrefix(value: Double, text: String) throws {
    #expect(try MethodSCRIPTScriptBuilder.literal(value) == text)
}

@Test func literalsThatCannotBeExactAreRefused() {
    for bad in [1.0 / 3.0, Double.nan, .infinity] {
        let error = #expect(throws: PrecisError.self) { try MethodSCRIPTScriptBuilder.literal(bad) }
        #expect(error?.kind == .input)
    }
}

@Test func dpvScriptHasTheLoopTheSettingsAndTheClosingEmptyLine() throws {
    let dpv = DifferentialPulseVoltammetry(begin: -0.2, end: 0.6, step: 0.005, pulseAmplitude: 0.05,
                                           pulseTime: 0.05, scanRate: 0.05)
    var settings = MethodSCRIPTCellSettings()
    settings.equilibrationTime = 2
    let script = try MethodSCRIPTScriptBuilder.script(.differentialPulse(dpv), settings: settings)
    let lines = script.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines.first == "e")
    #expect(script.text.hasSuffix("cell_off\n\n"))
    #expect(lines.contains("meas_loop_dpv p c -200m 600m 5m 50m 50m 50m"))
    #expect(lines.contains("set_range_minmax da -200m 650m"))
    #expect(lines.contains("set_autoranging ba 1n 1m"))
    #expect(lines.contains("wait 2"))
    #expect(lines.filter { $0.isEmpty }.count == 2)  // the closing empty line only (plus the split's tail)
}

@Test func cvLsvSwvAndCaScriptsNameTheirLoopsAndOutputs() throws {
    let cv = try MethodSCRIPTScriptBuilder.script(.cyclicVoltammetry(
        CyclicVoltammetry(begin: 0, vertex1: 0.5, vertex2: -0.5, step: 0.01, scanRate: 0.1, scans: 3)))
    #expect(cv.text.contains("meas_loop_cv p c 0 500m -500m 10m 100m nscans(3)\n"))
    let swv = try MethodSCRIPTScriptBuilder.script(.squareWave(
        SquareWaveVoltammetry(begin: -0.5, end: 0.5, step: 0.005, amplitude: 0.025, frequency: 10)))
    #expect(swv.text.contains("meas_loop_swv p c f r -500m 500m 5m 25m 10\n"))
    #expect(swv.text.contains("pck_add r\n"))
    let lsv = try MethodSCRIPTScriptBuilder.script(.linearSweep(
        LinearSweepVoltammetry(begin: 0.5, end: -0.5, step: 0.01, scanRate: 1)))
    #expect(lsv.text.contains("set_range_minmax da -500m 500m\n"))
    #expect(lsv.text.contains("meas_loop_lsv p c 500m -500m 10m 1\npck_start\npck_add p\npck_add c\npck_end\n"))
    let ca = try MethodSCRIPTScriptBuilder.script(.chronoamperometry(
        Chronoamperometry(potential: 0.1, interval: 0.1, duration: 2)))
    #expect(ca.text.contains("timer_start\nmeas_loop_ca p c 100m 100m 2\ntimer_get t\npck_start\npck_add t\n"))
}

@Test func impossibleParametersAreInputErrors() {
    let bad: [MethodSCRIPTTechnique] = [
        .cyclicVoltammetry(CyclicVoltammetry(begin: 0, vertex1: 0.5, vertex2: 0.5, step: 0.01, scanRate: 0.1)),
        .cyclicVoltammetry(CyclicVoltammetry(begin: 0, vertex1: 0.5, vertex2: -0.5, step: -0.01, scanRate: 0.1)),
        .differentialPulse(DifferentialPulseVoltammetry(begin: 0, end: 1, step: 0.005, pulseAmplitude: 0.05,
                                                        pulseTime: 0.2, scanRate: 0.05)),
        .squareWave(SquareWaveVoltammetry(begin: 0, end: 1, step: 0.005, amplitude: 0.025, frequency: 0)),
        .linearSweep(LinearSweepVoltammetry(begin: 0, end: 0, step: 0.01, scanRate: 0.1)),
        .linearSweep(LinearSweepVoltammetry(begin: 0, end: 1, step: 0.01, scanRate: 0)),
        .chronoamperometry(Chronoamperometry(potential: 0, interval: 1, duration: 0.5)),
    ]
    for technique in bad {
        let error = #expect(throws: PrecisError.self) { try MethodSCRIPTScriptBuilder.script(technique) }
        #expect(error?.kind == .input)
    }
}
