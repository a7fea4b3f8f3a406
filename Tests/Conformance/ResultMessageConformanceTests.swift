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
}
