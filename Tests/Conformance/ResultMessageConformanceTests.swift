import Foundation
import PrecisCore
import PrecisFormats
import PrecisRuntime
import PrecisStore
import PrecisUpload
import Testing

/// Every FHIR Bundle the mapping produces validates with fhir.resources (R4B models accept
/// R4), and every ORU^R01 parses and validates with hl7apy (v2.5.1, strict) — for a normal,
/// a below-detection, an above-range and an invalid result.
@Suite(.serialized) struct ResultMessageConformanceTests {
    static func runtimeWithResults() async throws -> Runtime {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var configuration = PrecisConfiguration()
        configuration.site = "ward7-bench2"
        configuration.lis = LISConfiguration(dropFolder: folder.path, host: nil, port: nil, application: "LIS", facility: "HOSP")
        let runtime = Runtime(store: try Store(path: folder.appendingPathComponent("p.sqlite").path),
                              catalog: CalibrationCatalog(directory: Repo.root.appendingPathComponent("Calibration")),
                              configuration: configuration)
        for (option, sample, patient) in [("", "S-0001", "P-17"), ("&ratio=0", "S-0002", "P-18"), ("&ratio=2.4", "S-0003", nil),
                                          ("&control=0", "S-0004", "P-19")] as [(String, String, String?)] {
            _ = try await runtime.run(RunRequest(device: "sim:lfr?reading-ms=0" + option, assay: "crp", sample: sample, patient: patient))
        }
        return runtime
    }

    struct FHIRVerdict: Decodable { let problems: [String]; let types: [String]; let requests: [[String?]]; let auditHead: [String]? }
    struct HL7Verdict: Decodable { let problems: [String]; let structure: String?; let value: String?; let flags: String?; let status: String?
                           let zpr: [String]? }

    @Test func everyBundleValidatesWithFHIRResources() async throws {
        let runtime = try await Self.runtimeWithResults()
        let bundles = try (1...4).map { try JSONSerialization.jsonObject(with: runtime.export(runID: Int64($0), format: "fhir")) }
        let verdicts = try JSONDecoder().decode([FHIRVerdict].self,
                                                from: runReference("fhir_validate.py", input: JSONSerialization.data(withJSONObject: bundles)))
        #expect(verdicts.count == 4)
        for verdict in verdicts {
            #expect(verdict.problems.isEmpty, "\(verdict.problems)")
            #expect(verdict.types == ["Device", "Specimen", "Observation", "DiagnosticReport", "Provenance"])
            #expect(verdict.requests.prefix(4).allSatisfy { $0.count == 3 && $0[2]?.hasPrefix("identifier=urn:precis:ward7-bench2:") == true })
            #expect(verdict.requests.last?[0] == "PUT")
            #expect(verdict.auditHead?.count == 2)                                     // the Provenance's audit-head extension
        }
        let invalid = try JSONDecoder().decode(JSONValue.self, from: runtime.export(runID: 4, format: "fhir"))
        guard case .array(let entries)? = invalid["entry"], let observation = entries[2]["resource"] else { Issue.record("no entries"); return }
        #expect(observation["valueQuantity"] == nil)
        #expect(observation["dataAbsentReason"] != nil)
        let below = try JSONDecoder().decode(JSONValue.self, from: runtime.export(runID: 2, format: "fhir"))
        guard case .array(let belowEntries)? = below["entry"] else { return }
        #expect(belowEntries[2]["resource"]?["valueQuantity"]?["comparator"] == "<")
    }

    @Test func everyORUParsesAndValidatesWithHL7apy() async throws {
        let runtime = try await Self.runtimeWithResults()
        let messages = try (1...4).map { String(decoding: try runtime.export(runID: Int64($0), format: "hl7v2"), as: UTF8.self) }
        let verdicts = try JSONDecoder().decode([HL7Verdict].self,
                                                from: runReference("hl7_validate.py", input: JSONSerialization.data(withJSONObject: messages)))
        for verdict in verdicts { #expect(verdict.problems.isEmpty, "\(verdict.problems)") }
        #expect(verdicts.map(\.structure) == Array(repeating: "ORU^R01^ORU_R01", count: 4))
        #expect(verdicts[0].value == "9.6")
        #expect(verdicts[0].flags == "H")
        #expect(verdicts[1].value == "<^2.0")
        #expect(verdicts[2].value == ">^200.0")
        #expect(verdicts[3].status == "X")
        #expect(verdicts.allSatisfy { $0.zpr?.count == 2 && $0.zpr?[1].count == 64 })   // the audit head travels
    }

    /// The two qPCR plates of `Calibration/plates` (a viral load with a standard curve, a
    /// qualitative SARS-CoV-2 with an internal control) in one store: 4 + 4 results.
    static func runtimeWithPlates() async throws -> (Runtime, [(run: Int64, result: Int64)]) {
        let runtime = try await runtimeWithResults()
        let plates = Repo.root.appendingPathComponent("Calibration/plates")
        var results: [(run: Int64, result: Int64)] = []
        for (assay, lot, stem) in [("hiv1-vl", "HIV26B01", "hiv1-vl"), ("sars-cov-2", "SC226C03", "sars-cov-2")] {
            let report = try await runtime.run(RunRequest(
                device: "sim:qpcr?cycle-ms=0&wells=\(plates.appendingPathComponent("\(stem)-sim-wells.csv").path)", assay: assay,
                sample: "PLATE-\(lot)", lot: lot, layout: plates.appendingPathComponent("\(stem)-plate.csv")))
            results += (report.results ?? []).map { (report.runId, $0.resultId) }
        }
        return (runtime, results)
    }

    @Test func qPCRResultsValidateAsQuantitiesCodedValuesAndCancelledObservations() async throws {
        let (runtime, results) = try await Self.runtimeWithPlates()
        #expect(results.count == 8)
        let exports = try results.map { try runtime.export(runID: $0.run, resultID: $0.result, format: "fhir") }
        let verdicts = try JSONDecoder().decode([FHIRVerdict].self, from: runReference(
            "fhir_validate.py", input: JSONSerialization.data(withJSONObject: try exports.map { try JSONSerialization.jsonObject(with: $0) })))
        for verdict in verdicts {
            #expect(verdict.problems.isEmpty, "\(verdict.problems)")
            #expect(verdict.types == ["Device", "Specimen", "Observation", "DiagnosticReport", "Provenance"])
        }
        let bundles = try exports.map { try JSONDecoder().decode(JSONValue.self, from: $0) }
        func resource(_ bundle: JSONValue, _ index: Int) -> JSONValue? {
            guard case .array(let entries)? = bundle["entry"] else { return nil }
            return entries[index]["resource"]
        }
        // The viral loads: UCUM {copies}/mL, the "<" of a target not detected, plasma.
        let load = try #require(resource(bundles[0], 2))
        #expect(load["code"]?["coding"]?[0]?["code"] == "20447-9")
        #expect(load["valueQuantity"]?["code"] == "{copies}/mL")
        #expect(load["valueQuantity"]?["system"] == "http://unitsofmeasure.org")
        #expect(resource(bundles[1], 2)?["valueQuantity"]?["comparator"] == "<")
        #expect(resource(bundles[0], 1)?["type"]?["coding"]?[0]?["code"] == "PLAS")
        // The qualitative calls: SNOMED CT 260373001 / 260415000, and an invalid one cancelled.
        let detected = try #require(resource(bundles[4], 2))
        #expect(detected["valueCodeableConcept"]?["coding"]?[0]?["system"] == "http://snomed.info/sct")
        #expect(detected["valueCodeableConcept"]?["coding"]?[0]?["code"] == "260373001")
        #expect(detected["valueQuantity"] == nil)
        #expect(resource(bundles[5], 2)?["valueCodeableConcept"]?["coding"]?[0]?["code"] == "260415000")
        let invalid = try #require(resource(bundles[6], 2))
        #expect(invalid["status"] == "cancelled")
        #expect(invalid["valueCodeableConcept"] == nil)
        #expect(invalid["dataAbsentReason"] != nil)
        #expect(resource(bundles[6], 3)?["status"] == "cancelled")
        // Each sample of a plate has its own report and specimen: no two bundles share them.
        let reports = bundles.compactMap { resource($0, 3)?["identifier"]?[0]?["value"] }
        #expect(Set(reports.map { "\($0)" }).count == 8)
        let specimens = bundles.compactMap { resource($0, 1)?["identifier"]?[0]?["value"] }
        #expect(Set(specimens.map { "\($0)" }).count == 8)
    }

    @Test func qPCRResultsParseAsORUWithNumericAndCodedOBX() async throws {
        let (runtime, results) = try await Self.runtimeWithPlates()
        let messages = try results.map { String(decoding: try runtime.export(runID: $0.run, resultID: $0.result, format: "hl7v2"), as: UTF8.self) }
        let verdicts = try JSONDecoder().decode([HL7Verdict].self,
                                                from: runReference("hl7_validate.py", input: JSONSerialization.data(withJSONObject: messages)))
        for verdict in verdicts { #expect(verdict.problems.isEmpty, "\(verdict.problems)") }
        #expect(verdicts.count == 8)
        #expect(verdicts[1].value == "<^20")
        #expect(verdicts[4].value == "260373001^Detected^SCT")
        #expect(verdicts[5].value == "260415000^Not detected^SCT")
        #expect(verdicts[6].status == "X")
        #expect(verdicts.prefix(4).allSatisfy { $0.status == "F" })
        #expect(messages[0].contains("|NM|20447-9^"))
        #expect(messages[4].contains("|CWE|94500-6^"))
        #expect(messages[4].contains("SPM|1|S-2001^PRECIS||258500001^Nasopharyngeal swab^SCT"))
        #expect(messages[0].contains("PID|1||P-2001^^^PRECIS^PN"))
    }

    @Test func aLeadResultValidatesInFHIRAndHL7() async throws {
        let runtime = try await Self.runtimeWithResults()
        let report = try await runtime.run(RunRequest(device: "sim:methodscript?lead=12", assay: "lead", sample: "S-7001",
                                                      patient: "P-7001", lot: "PB26D01"))
        let bundle = try runtime.export(runID: report.runId, format: "fhir")
        let fhir = try JSONDecoder().decode([FHIRVerdict].self, from: runReference(
            "fhir_validate.py", input: JSONSerialization.data(withJSONObject: [try JSONSerialization.jsonObject(with: bundle)])))
        #expect(fhir.first?.problems == [])
        let observation = try JSONDecoder().decode(JSONValue.self, from: bundle)["entry"]?[2]?["resource"]
        #expect(observation?["code"]?["coding"]?[0]?["code"] == "5671-3")
        #expect(observation?["valueQuantity"]?["code"] == "ug/dL")
        #expect(observation?["valueQuantity"]?["value"] == .number(12.0))
        let message = String(decoding: try runtime.export(runID: report.runId, format: "hl7v2"), as: UTF8.self)
        let hl7 = try JSONDecoder().decode([HL7Verdict].self,
                                           from: runReference("hl7_validate.py", input: JSONSerialization.data(withJSONObject: [message])))
        #expect(hl7.first?.problems == [])
        #expect(hl7.first?.value == "12.0")
        #expect(hl7.first?.flags == "H")
        #expect(message.contains("SPM|1|S-7001^PRECIS||BLD^Whole blood^HL70487"))
    }

    struct FileDigestAnswer: Decodable { let size: Int; let sha256: String; let ni: String }

    @Test("a sequencing run's yield validates in FHIR (components, DocumentReference to the reads) and HL7 (an OBX per value)")
    func aSequencingRunValidatesInFHIRAndHL7() async throws {
        let runtime = try await Self.runtimeWithResults()
        let folder = URL(fileURLWithPath: runtime.store.path).deletingLastPathComponent()
        var request = SequencingRequest(device: "sim:nps?reads=6&channels=4&fast", sample: "S-8001",
                                        output: folder.appendingPathComponent("S-8001.blow5"))
        request.patient = "P-8001"
        let report = try await runtime.sequence(request)
        let bundle = try runtime.export(runID: report.run.runId, format: "fhir")
        let fhir = try JSONDecoder().decode([FHIRVerdict].self, from: runReference(
            "fhir_validate.py", input: JSONSerialization.data(withJSONObject: [try JSONSerialization.jsonObject(with: bundle)])))
        #expect(fhir.first?.problems == [])
        #expect(fhir.first?.types == ["Device", "Specimen", "DocumentReference", "Observation", "DiagnosticReport", "Provenance"])
        let entries = try JSONDecoder().decode(JSONValue.self, from: bundle)["entry"]
        let document = entries?[2]?["resource"], observation = entries?[3]?["resource"]
        // The file's digest and size as Python's hashlib sees them.
        let file = try JSONDecoder().decode(FileDigestAnswer.self, from: runReference("file_digest.py", [report.file]))
        #expect(report.sha256 == file.sha256)
        #expect(document?["identifier"]?[1]?["value"] == .string(file.ni))
        #expect(document?["content"]?[0]?["attachment"]?["size"] == .number(Double(file.size)))
        #expect(document?["content"]?[0]?["format"]?["code"] == "blow5")
        #expect(document?["docStatus"] == "final")
        #expect(observation?["derivedFrom"]?[0]?["reference"] == entries?[2]?["fullUrl"])
        #expect(observation?["code"]?["coding"]?[0]?["system"] == .string(Coding.sequencingSystem))
        #expect(observation?["valueQuantity"]?["value"] == .number(Double(report.outcome.reads)))
        #expect(observation?["valueQuantity"]?["code"] == "{reads}")
        guard case .array(let components)? = observation?["component"] else { Issue.record("no components"); return }
        let codes = components.compactMap { $0["code"]?["coding"]?[0]?["code"] }
        #expect(codes.prefix(3) == [.string("estimated-bases"), .string("read-n50"), .string("pore-occupancy")])
        #expect(components.first?["valueQuantity"]?["value"] == .number(Double(report.outcome.estimatedBases)))
        let message = String(decoding: try runtime.export(runID: report.run.runId, format: "hl7v2"), as: UTF8.self)
        let hl7 = try JSONDecoder().decode([HL7Verdict].self,
                                           from: runReference("hl7_validate.py", input: JSONSerialization.data(withJSONObject: [message])))
        #expect(hl7.first?.problems == [])
        #expect(hl7.first?.value == String(report.outcome.reads))
        let obx = message.split(separator: "\r").filter { $0.hasPrefix("OBX|") }
        #expect(obx.count == 1 + components.count)
        #expect(obx.first?.contains("|reads^Reads written by the sequencing run^99PRC|") == true)
        #expect(obx.dropFirst().first?.hasPrefix("OBX|2|NM|estimated-bases^") == true)
    }
}

