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
    // The same text as a plate layout (the kiosk's API takes one): what it accepts is a plate of
    // known wells, pseudonymous sample ids, standards with a positive quantity.
    if let layout = try? PlateLayout(text: String(decoding: bytes, as: UTF8.self), name: "fuzz.csv") {
        precondition(!layout.wells.isEmpty && layout.wells.count <= 96, "a layout of \(layout.wells.count) wells")
        precondition(layout.wells.keys.allSatisfy { RDMLDocument.PlateFormat.plate96.reactionID($0) != nil }, "a well off the plate")
        precondition(layout.wells.values.allSatisfy { $0.type != "std" || ($0.quantity.map { $0.value > 0 && $0.value.isFinite } ?? false) },
                     "a standard without a positive quantity")
        precondition(layout.wells.values.allSatisfy { (try? Identifiers.pseudonym($0.sample, as: "sample")) != nil }, "a sample id that is no code")
    }
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

/// `config`: a configuration file. What it accepts passes its own check again, and every
/// value it holds is within the limits `check` states.
func fuzzConfiguration(_ bytes: [UInt8]) {
    guard let configuration = try? PrecisConfiguration.parse(Data(bytes), source: "fuzz.json") else { return }
    precondition((try? configuration.check("again.json")) != nil, "an accepted configuration fails its own check")
    if let port = configuration.lis?.port { precondition((1...65535).contains(port), "a port that is not a TCP port") }
    if let timeout = configuration.centre?.timeoutSeconds {
        precondition(timeout > 0 && timeout <= PrecisConfiguration.maxTimeoutSeconds, "a timeout past its limit")
    }
}

/// `answer`: what the centre and the LIS send back, the same bytes read as a FHIR answer
/// (under each status class), an OAuth2 token answer and an HL7 ACK. Whatever they are, the
/// verdict is a short note or a `DeliveryFailure`, and what is quoted stays bounded.
func fuzzAnswer(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    for status in [200, 201, 400, 401, 429, 503] {
        do {
            let note = try FHIRResponse.judge(status: status, body: text, retryAfter: text.count < 64 ? text : nil)
            precondition(status < 300, "a \(status) judged delivered")
            _ = note
        } catch let failure as DeliveryFailure {
            precondition(failure.description.utf8.count < 4096, "a failure quoting too much of the answer")
            if case .transient(_, let after?) = failure { precondition(after.isFinite && after >= 0, "a Retry-After that is no wait") }
        } catch { preconditionFailure("a FHIR answer judged with \(error)") }
    }
    if let answer = OAuth2TokenAnswer.parse(text) {
        precondition(!answer.token.isEmpty && answer.token.utf8.count <= OAuth2TokenAnswer.maxTokenBytes, "a token past its limit")
        precondition(answer.token.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "a token that would break its header")
        precondition(answer.lifetime >= 0 && answer.lifetime <= OAuth2TokenAnswer.maxLifetime, "a lifetime past its limit")
    }
    do {
        let note = try HL7Ack.judge(text, controlID: "PRC0000000000000001")
        precondition(note == "ACK AA" || note == "ACK CA", "an ACK accepted without AA or CA")
    } catch let failure as DeliveryFailure {
        precondition(failure.description.count < 2 * HL7Ack.maxQuoted + 120, "a failure quoting too much of the ACK")
    } catch { preconditionFailure("an ACK judged with \(error)") }
}

/// `s3`: an S3 answer (an error, a list of parts or of uploads) as the inbox's client reads it.
/// What `S3XML` accepts keeps its limits; an error answer of any bytes is named without
/// quoting more than S3's message.
func fuzzS3Answer(_ bytes: [UInt8]) {
    if let root = try? S3XML.parse(bytes) {
        func depth(_ e: S3XMLElement) -> Int { 1 + (e.children.map(depth).max() ?? 0) }
        func count(_ e: S3XMLElement) -> Int { 1 + e.children.map(count).reduce(0, +) }
        precondition(depth(root) <= S3XML.maxDepth && count(root) <= S3XML.maxElements, "an answer past its limits")
    }
    let failure = S3Failure.answer(status: 503, body: bytes, retryAfter: nil)
    precondition(!failure.code.isEmpty && failure.message.utf8.count <= 1200, "a failure quoting too much of the answer")
}
