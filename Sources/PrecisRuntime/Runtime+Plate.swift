import Foundation
import PrecisCore
import PrecisDrivers
import PrecisFormats
import PrecisSignal

/// A plate to run on a real-time PCR cycler.
public struct PlateRequest: Sendable {
    public var device: String
    /// Dye channels to read (default: the cycler's first).
    public var dyes: [String]?
    /// Target names by dye (default: the dye's name).
    public var targets: [String: String]
    /// The dyes' chemistry, for copy numbers.
    public var chemistry: String
    public var layout: PlateLayout?
    public var plateID: String
    public var cycles: Int
    /// Where the RDML goes.
    public var output: URL
    public var recording: URL?
    public var options: QPCRAnalysisOptions

    public init(device: String, dyes: [String]? = nil, targets: [String: String] = [:], chemistry: String = "non-saturating DNA binding dye",
                layout: PlateLayout? = nil, plateID: String, cycles: Int = 45, output: URL, recording: URL? = nil,
                options: QPCRAnalysisOptions = .init()) {
        self.device = device
        self.dyes = dyes
        self.targets = targets
        self.chemistry = chemistry
        self.layout = layout
        self.plateID = plateID
        self.cycles = cycles
        self.output = output
        self.recording = recording
        self.options = options
    }
}

/// A plate run: where its RDML is, and the analysis.
public struct PlateReport: Sendable, Codable, Equatable {
    public var plateID: String
    public var instrument: String
    public var rdml: String
    public var analysis: QPCRAnalysisReport
}

extension Runtime {
    /// Runs a plate on a cycler (thermal profile uploaded, every cycle and melt reading of the
    /// chosen dyes collected, lost frames fetched again), writes the raw data and the analysis as
    /// RDML 1.4 to `request.output` (whole or not at all), and returns the analysis. A run that
    /// stops half way still writes what arrived to `OUTPUT.partial.rdml`, and the error says so.
    public func runPlate(_ request: PlateRequest, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> PlateReport {
        guard (1...100).contains(request.cycles) else { throw PrecisError(.input, "--cycles must be 1 to 100, not \(request.cycles)") }
        try files.admit(request.output, as: "--out")
        let opened = try Instruments.open(try DeviceAddress(request.device), family: QPCRDriver.family, recording: request.recording,
                                          files: files)
        defer { opened.stopWatching() }
        let driver = QPCRDriver(transport: opened.transport)
        let identity: QPCRIdentity
        do { identity = try await driver.qpcrIdentity() } catch {
            await driver.close()
            throw error
        }
        let dyes = request.dyes ?? Array(identity.dyes.prefix(1))
        let profile = ThermalProfile.standard(cycles: request.cycles)
        let collected = ReadingCollector(dyes: dyes, cycles: profile.cycles, meltPoints: profile.melt?.points ?? 0)
        let instrument = "\(identity.model) \(identity.serial) (firmware \(identity.firmware))"
        let plate: QPCRPlateData
        do {
            plate = try await driver.run(profile: profile, plateID: request.plateID, dyes: dyes) { p in
                collected.add(p.reading, dye: dyes.firstIndex(of: identity.dyes[p.reading.dye]) ?? 0, melt: p.isMelt)
                progress(p.cycleReadings + p.meltReadings, p.total)
            }
            await driver.close()
        } catch {
            await driver.close()
            let partial = request.output.deletingPathExtension().appendingPathExtension("partial.rdml")
            let document = Self.rdml(collected.plate(), request: request, instrument: instrument, profile: profile, partial: true)
            if (try? DurableFile.write(try document.rdmlFile(), to: partial)) != nil {
                let e = error.asPrecisError
                throw PrecisError(e.kind, "\(e.message); the \(collected.count) readings that arrived are in \(partial.path)", hint: e.hint)
            }
            throw error
        }
        let document = Self.rdml(plate, request: request, instrument: instrument, profile: profile, partial: false)
        var (analysis, annotated) = try QPCRAnalysis.analyse(document, options: request.options)
        analysis.file = request.output.lastPathComponent
        try DurableFile.write(try annotated.rdmlFile(), to: request.output)
        return PlateReport(plateID: request.plateID, instrument: instrument, rdml: request.output.path, analysis: analysis)
    }

    /// The plate's data as an RDML 1.4 document: one target per dye, the layout's samples (every
    /// well an unknown named PLATE-WELL without a layout), the thermal profile, raw fluorescence.
    static func rdml(_ plate: QPCRPlateData, request: PlateRequest, instrument: String, profile: ThermalProfile, partial: Bool) -> RDMLDocument {
        let now = ISO8601DateFormatter().string(from: Date())
        var samples: [RDMLDocument.Sample] = [], reactions: [RDMLDocument.Reaction] = []
        let temperatures = plate.meltTemperatures
        for (index, well) in QPCRPlateData.wellNames.enumerated() {
            let entry = request.layout.map { $0.wells[well] } ?? PlateLayout.Entry(sample: "\(request.plateID)-\(well)", type: "unkn")
            guard let entry else { continue }                                  // an empty well
            if let i = samples.firstIndex(where: { $0.id == entry.sample }) {
                if !samples[i].types.contains(where: { $0.value == entry.type }) { samples[i].types.append(.init(entry.type)) }
            } else {
                samples.append(.init(id: entry.sample, types: [.init(entry.type)], doubleStranded: true, quantity: entry.quantity))
            }
            let data = plate.dyes.enumerated().map { d, dye in
                RDMLDocument.ReactionData(
                    targetID: request.targets[dye] ?? dye,
                    amplification: plate.amplification[d][index].enumerated().map { .init(cycle: Double($0.offset + 1), fluorescence: $0.element) },
                    melt: temperatures.isEmpty ? [] : plate.melt[d][index].enumerated().map { .init(temperature: temperatures[$0.offset], fluorescence: $0.element) })
            }
            reactions.append(.init(id: index + 1, sampleID: entry.sample, data: data))
        }
        return RDMLDocument(
            version: "1.4", dateMade: now, dateUpdated: now,
            dyes: plate.dyes.map { .init(id: $0, chemistry: request.chemistry) }, samples: samples,
            targets: plate.dyes.map { .init(id: request.targets[$0] ?? $0, type: "toi", dyeID: $0) },
            thermalCyclingConditions: [thermalProgram(profile)],
            experiments: [.init(id: request.plateID, description: partial ? "stopped before the end: partial data" : nil, runs: [.init(
                id: "run", instrument: instrument, softwareName: "precis", softwareVersion: PrecisVersion.current,
                thermalCyclingConditionsID: "precis-standard-\(profile.cycles)", format: .plate96, runDate: now, reactions: reactions)])])
    }

    /// The thermal profile as RDML's `thermalCyclingConditions` (temperature steps and a loop
    /// back for each cycling stage).
    static func thermalProgram(_ profile: ThermalProfile) -> RDMLDocument.RawElement {
        var steps: [RDMLDocument.RawElement] = []
        func element(_ name: String, _ text: String) -> RDMLDocument.RawElement { .init(name: name, text: text) }
        for stage in profile.stages {
            let first = steps.count + 1
            for step in stage.steps {
                steps.append(.init(name: "step", children: [
                    element("nr", String(steps.count + 1)),
                    .init(name: "temperature", children: [element("temperature", String(step.temperatureC)), element("duration", String(step.holdSeconds)),
                                                          element("measure", step.acquire ? "real time" : "no")]),
                ]))
            }
            if stage.repeats > 1 {
                steps.append(.init(name: "step", children: [
                    element("nr", String(steps.count + 1)),
                    .init(name: "loop", children: [element("goto", String(first)), element("repeat", String(stage.repeats - 1))]),
                ]))
            }
        }
        return .init(name: "thermalCyclingConditions", attributes: ["id": "precis-standard-\(profile.cycles)"], children: steps)
    }
}

/// The readings of a run as they arrive, so that a run that stops keeps what came.
final class ReadingCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data: QPCRPlateData
    private(set) var count = 0

    init(dyes: [String], cycles: Int, meltPoints: Int) {
        data = QPCRPlateData(dyes: dyes, cycles: cycles, meltTemperatures: [Double](repeating: 0, count: meltPoints))
    }

    func add(_ reading: QPCRReading, dye: Int, melt: Bool) {
        lock.withLock {
            count += 1
            for (well, value) in reading.values.enumerated() where well < QPCRPlateData.wellNames.count {
                if melt {
                    guard reading.index < data.meltTemperatures.count else { continue }
                    data.melt[dye][well][reading.index] = Double(value)
                    data.meltTemperatures[reading.index] = reading.temperatureC ?? 0
                } else if reading.index >= 1 && reading.index <= data.cycles {
                    data.amplification[dye][well][reading.index - 1] = Double(value)
                }
            }
        }
    }

    /// What arrived: cycles up to the last one read, melt points with a temperature.
    func plate() -> QPCRPlateData {
        lock.withLock {
            var plate = data
            let lastCycle = (0..<plate.cycles).last { c in plate.amplification.contains { dye in dye.contains { $0[c] != 0 } } } ?? -1
            plate.amplification = plate.amplification.map { $0.map { Array($0.prefix(lastCycle + 1)) } }
            plate.cycles = lastCycle + 1
            let melted = plate.meltTemperatures.indices.filter { plate.meltTemperatures[$0] != 0 }
            plate.meltTemperatures = melted.map { plate.meltTemperatures[$0] }
            plate.melt = plate.melt.map { $0.map { well in melted.map { well[$0] } } }
            return plate
        }
    }
}
