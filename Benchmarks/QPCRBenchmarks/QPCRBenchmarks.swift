import Benchmark
import Foundation
import PrecisCore
import PrecisFormats
import PrecisRuntime
import PrecisSignal

/// qPCR: a 96-well × 4-dye × 45-cycle plate analysed (issue 4's benchmark): LinRegPCR alone, the
/// whole analysis of an RDML document (LinRegPCR, threshold Cq, melt peaks, copies, standard
/// curves), and reading the plate's RDML file.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
                                           maxDuration: .seconds(5))
    let document = plate()
    let curves = document.experiments[0].runs[0].reactions.flatMap { reaction in
        reaction.data.map { data in
            AmplificationCurve(well: "W\(reaction.id)", target: data.targetID, sampleType: "unkn",
                               fluorescence: data.amplification.map { Optional($0.fluorescence) })
        }
    }
    let file = try! document.rdmlFile()

    Benchmark("LinRegPCR: 96 wells × 4 dyes × 45 cycles") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try LinRegPCR().analyse(curves)) }
    }

    Benchmark("qPCR plate analysis from RDML (LinRegPCR, threshold Cq, melt peaks, copies, standard curves)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try QPCRAnalysis.analyse(document)) }
    }

    Benchmark("RDML read: the plate as a .rdml file (ZIP, XML, 17 280 cycle and 93 312 melt points)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try RDMLDocument(data: file, source: "plate.rdml")) }
    }
}

/// A 96-well plate with four dyes: a tenfold dilution series of standards per dye in the first
/// two columns, unknowns elsewhere, 45 cycles of amplification and 61 melt points.
func plate() -> RDMLDocument {
    let dyes = ["FAM", "HEX", "ROX", "Cy5"]
    var reactions: [RDMLDocument.Reaction] = []
    var samples: [RDMLDocument.Sample] = []
    for id in 1...96 {
        let column = (id - 1) % 12, standard = column < 2
        let n0 = 1e-3 / Foundation.pow(10, Double((id - 1) / 12 % 6))
        let sample = standard ? "STD-\((id - 1) / 12)" : "S-\(id)"
        if !samples.contains(where: { $0.id == sample }) {
            samples.append(.init(id: sample, types: [.init(standard ? "std" : "unkn")], doubleStranded: true,
                                 quantity: standard ? .init(value: 1e6 * n0, unit: "cop") : nil))
        }
        let data = dyes.enumerated().map { d, dye -> RDMLDocument.ReactionData in
            let e = 1.85 + 0.03 * Double(d)
            let amplification = (1...45).map { c -> RDMLDocument.AmplificationPoint in
                let grown = n0 * (standard ? 1 : 1.3 + 0.1 * Double(id % 5)) * Foundation.pow(e, Double(c))
                return .init(cycle: Double(c), fluorescence: 900 + 150 * Double(d) + 18_000 * grown / (1 + grown) + 3 * Foundation.sin(Double(c * id)))
            }
            let melt = stride(from: 65.0, through: 95.0, by: 0.5).map { t in
                RDMLDocument.MeltPoint(temperature: t, fluorescence: 9000 / (1 + Foundation.exp((t - 80 - Double(d)) / 0.55)) + 400)
            }
            return .init(targetID: "T-\(dye)", amplification: amplification, melt: melt)
        }
        reactions.append(.init(id: id, sampleID: sample, volume: 20, data: data))
    }
    return RDMLDocument(
        dyes: dyes.map { .init(id: $0, chemistry: "hydrolysis probe") }, samples: samples,
        targets: dyes.map { .init(id: "T-\($0)", dyeID: $0) },
        experiments: [.init(id: "bench", runs: [.init(id: "plate", format: .plate96, reactions: reactions)])])
}
