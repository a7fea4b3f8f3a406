import Foundation
import PrecisCore
import PrecisDrivers
import PrecisFormats
import PrecisReplay

/// `rdml`: a zipped or bare RDML file. What it accepts keeps `RDMLLimits` and writes back as
/// RDML 1.4 that reads again to the same document.
func fuzzRDML(_ bytes: [UInt8]) {
    guard let document = try? RDMLDocument(data: Data(bytes), source: "fuzz.rdml") else { return }
    for run in document.experiments.flatMap(\.runs) {
        precondition(run.format.rows <= RDMLLimits.maxRows && run.format.columns <= RDMLLimits.maxColumns, "plate past its limit")
        for data in run.reactions.flatMap(\.data) {
            precondition(data.amplification.count <= RDMLLimits.maxCycles, "curve past its limit")
            precondition(data.amplification.allSatisfy { $0.cycle >= 1 && $0.cycle <= Double(RDMLLimits.maxCycles) }, "cycle past its limit")
        }
    }
    if let written = try? document.xml(version: "1.4") {
        precondition((try? RDMLDocument(data: written, source: "again.rdml")) != nil, "RDML written from an accepted file does not read back")
    }
}

/// `slow5`: SLOW5 text or BLOW5 bytes, read read by read (at most 64 reads). Every read it
/// gives is finite and within `SLOW5Limits`.
func fuzzSLOW5(_ bytes: [UInt8]) {
    guard let reader = try? SLOW5Reader(data: Data(bytes), name: "fuzz.blow5") else { return }
    for _ in 0..<64 {
        guard let read = ((try? reader.next()) ?? nil) else { return }
        precondition(read.offset.isFinite && read.range.isFinite && read.digitisation.isFinite && read.samplingRate.isFinite,
                     "a read with a non-finite scaling field")
        precondition(read.rawSignal.count <= SLOW5Limits.maxSamples, "a read past its sample limit")
    }
}

/// `csv`: a CSV table (standards, plate layouts). What it accepts is rectangular and within
/// `CSVTable`'s limits.
func fuzzCSV(_ bytes: [UInt8]) {
    guard let table = try? CSVTable(text: String(decoding: bytes, as: UTF8.self), source: "fuzz.csv") else { return }
    precondition(table.columns.count <= CSVTable.maxColumns && table.rows.count < CSVTable.maxRows, "table past its limits")
    precondition(table.rows.allSatisfy { $0.count == table.columns.count }, "a row of another width")
    if let first = table.columns.first { _ = try? table.numbers(first).allSatisfy(\.isFinite) }
}

/// `profile`: a line profile CSV. What it accepts has at least two readings at strictly
/// increasing positions within 0–65535 µm.
func fuzzProfile(_ bytes: [UInt8]) {
    guard let profile = try? LineProfileFile.parse(String(decoding: bytes, as: UTF8.self), source: "fuzz.csv") else { return }
    precondition(profile.positionsUM.count >= 2 && profile.positionsUM.count == profile.reflectance.count, "readings lost")
    precondition(zip(profile.positionsUM, profile.positionsUM.dropFirst()).allSatisfy { $0 < $1 }, "positions not increasing")
    precondition(profile.positionsUM.allSatisfy { (0...65535).contains($0) }, "a position off the strip")
}

/// `methodscript`: a MethodSCRIPT output stream as `precis analyze methodscript` reads it.
/// Every value it gives is finite and the packages stay within the limit.
func fuzzMethodSCRIPTStream(_ bytes: [UInt8]) {
    guard let packages = try? MethodSCRIPTStream.packages(Data(bytes), source: "fuzz.txt") else { return }
    precondition(packages.count <= MethodSCRIPTStream.maxPackages, "packages past their limit")
    precondition(packages.allSatisfy { $0.variables.allSatisfy { $0.value.isFinite } }, "a non-finite value")
}

/// `json`: a calibration file (assay, lot, QC material) or any JSON answer, checked by
/// `JSONLimits` and then decoded as the readers do. What passes the check must decode
/// without exhausting the stack (ASan reports an overflow).
func fuzzJSON(_ bytes: [UInt8]) {
    let data = Data(bytes)
    guard (try? JSONLimits.check(data, source: "fuzz.json")) != nil else { return }
    _ = try? JSONDecoder().decode(AssayDefinition.self, from: data)
    _ = try? JSONDecoder().decode(CalibrationLot.self, from: data)
    _ = try? JSONDecoder().decode(QCMaterial.self, from: data)
    _ = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
}
