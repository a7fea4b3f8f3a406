import PrecisCore

/// A missing reading: which dye (index in the run's list), which cycle or melt point.
struct PlateGap: CustomStringConvertible, Equatable {
    let melt: Bool
    let dye: Int
    let index: Int
    var description: String { melt ? "melt point \(index) of dye \(dye)" : "cycle \(index) of dye \(dye)" }
}

/// The readings of one run as they arrive, each (dye, cycle) and (dye, point) once.
struct PlateBuffer {
    let runID: UInt16
    let dyeIndices: [Int]
    var plate: QPCRPlateData
    private var cycleFilled: [[Bool]]
    private var meltFilled: [[Bool]]
    private(set) var cycleReceived = 0
    private(set) var meltReceived = 0

    init(runID: UInt16, dyeIndices: [Int], dyeNames: [String], cycles: Int, meltPoints: Int, profile: ThermalProfile) {
        self.runID = runID
        self.dyeIndices = dyeIndices
        let melt = profile.melt
        let temperatures = (0..<meltPoints).map { (melt?.startC ?? 0) + Double($0) * (melt?.stepC ?? 0) }
        plate = QPCRPlateData(dyes: dyeNames, cycles: cycles, meltTemperatures: temperatures)
        cycleFilled = Array(repeating: Array(repeating: false, count: cycles), count: dyeIndices.count)
        meltFilled = Array(repeating: Array(repeating: false, count: meltPoints), count: dyeIndices.count)
    }

    var total: Int { dyeIndices.count * (plate.cycles + plate.meltTemperatures.count) }

    mutating func store(_ reading: QPCRReading, melt: Bool) throws {
        guard let dye = dyeIndices.firstIndex(of: reading.dye) else {
            throw PrecisError(.protocol, "a reading for dye \(reading.dye), which the run did not ask for")
        }
        let values = reading.values.map(Double.init)
        if melt {
            guard meltFilled[dye].indices.contains(reading.index) else {
                throw PrecisError(.protocol, "melt point \(reading.index) outside the run's \(plate.meltTemperatures.count)")
            }
            if !meltFilled[dye][reading.index] { meltReceived += 1 }
            meltFilled[dye][reading.index] = true
            if let t = reading.temperatureC { plate.meltTemperatures[reading.index] = t }
            for well in values.indices { plate.melt[dye][well][reading.index] = values[well] }
        } else {
            let slot = reading.index - 1
            guard cycleFilled[dye].indices.contains(slot) else {
                throw PrecisError(.protocol, "cycle \(reading.index) outside the run's \(plate.cycles)")
            }
            if !cycleFilled[dye][slot] { cycleReceived += 1 }
            cycleFilled[dye][slot] = true
            for well in values.indices { plate.amplification[dye][well][slot] = values[well] }
        }
    }

    func gaps() -> [PlateGap] {
        var gaps: [PlateGap] = []
        for dye in dyeIndices.indices {
            for (slot, filled) in cycleFilled[dye].enumerated() where !filled { gaps.append(PlateGap(melt: false, dye: dye, index: slot + 1)) }
            for (point, filled) in meltFilled[dye].enumerated() where !filled { gaps.append(PlateGap(melt: true, dye: dye, index: point)) }
        }
        return gaps
    }

    func missing(_ gap: PlateGap) -> Bool {
        gap.melt ? !meltFilled[gap.dye][gap.index] : !cycleFilled[gap.dye][gap.index - 1]
    }
}
