import Foundation
import PrecisCore
import PrecisDrivers
import PrecisFormats

/// What names a plate's data in its RDML: its id and layout, the target read in each dye, and
/// the dyes' chemistry.
struct PlateDescription: Sendable {
    var plateID: String
    var layout: PlateLayout
    /// Target names by dye.
    var targets: [String: String]
    var chemistry: String
}

extension Runtime {
    /// The plate's data as an RDML 1.4 document: one target per dye, the layout's samples, the
    /// thermal profile, raw fluorescence.
    static func rdml(_ plate: QPCRPlateData, description request: PlateDescription, instrument: String, profile: ThermalProfile,
                     partial: Bool) -> RDMLDocument {
        let now = ISO8601DateFormatter().string(from: Date())
        var samples: [RDMLDocument.Sample] = [], reactions: [RDMLDocument.Reaction] = []
        let temperatures = plate.meltTemperatures
        for (index, well) in QPCRPlateData.wellNames.enumerated() {
            guard let entry = request.layout.wells[well] else { continue }     // an empty well
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
