import Foundation
import PrecisCore
import PrecisFormats
import PrecisStore
import PrecisTestSupport
@testable import PrecisUpload
import Testing

/// The elements of a JSON array (empty for anything else).
func jsonElements(_ value: JSONValue?) -> [JSONValue] {
    if case .array(let items)? = value { return items }
    return []
}

/// The string inside a JSON value, or nil.
func jsonText(_ value: JSONValue?) -> String? {
    if case .string(let s)? = value { return s }
    return nil
}

/// One stored result of the given shape, packaged as the uploader would send it.
func storedPackage(_ result: NewResult, patient: String? = "P-0042", sample: String = "S-0001") throws -> ResultPackage {
    let store = try Store(path: try TestPaths.temporaryFolder("mapping").appendingPathComponent("p.sqlite").path)
    let reader = DeviceIdentity(family: "lfr", serial: "LFR-0042", firmware: "2.3.1", instrumentCalibrationID: "OPT-1", model: "LFR-1")
    let at = Date(timeIntervalSince1970: 1_795_000_000)
    try store.saveInstrument(reader, endpoint: "sim:lfr", at: at)
    let run = try store.beginRun(NewRun(sampleID: sample, patientID: patient, assay: "crp", instrument: reader, endpoint: "sim:lfr",
                                        calibrationID: nil, cartridgeID: "CRP26A07:1", operatorID: "tech1", owner: "1@test"), at: at)
    let done = try store.completeRun(run.id, raw: RawTrace(kind: "lfr-profile", profile: LineProfile(positionsUM: [0], reflectance: [1]),
                                                           expectedCount: 1, complete: true),
                                     result: result, destinations: ["centre"], linkReport: nil, at: at.addingTimeInterval(90), actor: "tech1")
    return try store.package(for: done.outbox[0])
}

func crpResult(_ concentration: Concentration?, flags: [ResultFlag], status: ResultStatus = .final, reason: String? = nil) -> NewResult {
    NewResult(status: status, analyte: "C-reactive protein",
              loinc: Coding(code: "1988-5", display: "C reactive protein [Mass/volume] in Serum or Plasma"),
              concentration: concentration, unit: "mg/L", decimals: 1, flags: flags, response: 0.3, analysisJSON: "{}",
              referenceRange: "< 5.0 mg/L", reason: reason)
}

/// The resource of type `type` in a Bundle, with its entry's request.
func bundleResource(_ bundle: JSONValue, _ type: String) -> (resource: JSONValue, request: JSONValue)? {
    for entry in jsonElements(bundle["entry"]) where jsonText(entry["resource"]?["resourceType"]) == type {
        if let resource = entry["resource"], let request = entry["request"] { return (resource, request) }
    }
    return nil
}

@Suite struct MappingTests {
    @Test func aNumberGoesOutInUCUMWithItsInterpretationAndRange() throws {
        let p = try storedPackage(crpResult(Concentration(value: 12.34, unit: "mg/L"), flags: [.high]))
        let bundle = FHIRMapping.bundle(p, sender: sender)
        #expect(jsonText(bundle["type"]) == "transaction")
        let observation = try #require(bundleResource(bundle, "Observation")?.resource)
        #expect(jsonText(observation["status"]) == "final")
        let coding = jsonElements(observation["code"]?["coding"]).first
        #expect(jsonText(coding?["system"]) == "http://loinc.org")
        #expect(jsonText(coding?["code"]) == "1988-5")
        let quantity = try #require(observation["valueQuantity"])
        #expect(quantity["value"] == .number(12.3))                     // the assay's one decimal, as printed
        #expect(jsonText(quantity["system"]) == "http://unitsofmeasure.org")
        #expect(jsonText(quantity["code"]) == "mg/L")
        #expect(quantity["comparator"] == nil)
        #expect(jsonText(jsonElements(jsonElements(observation["interpretation"]).first?["coding"]).first?["code"]) == "H")
        #expect(jsonText(jsonElements(observation["referenceRange"]).first?["text"]) == "< 5.0 mg/L")
        #expect(jsonText(observation["effectiveDateTime"]) == p.run.startedAt)
        #expect(jsonText(observation["method"]?["text"])?.contains("Lateral-flow") == true)
        #expect(observation["dataAbsentReason"] == nil)
    }

    @Test(arguments: [("<", ResultFlag.belowLimitOfDetection, "<"), (">", .aboveMeasuringRange, ">")])
    func aBoundKeepsItsComparator(comparator: String, flag: ResultFlag, code: String) throws {
        let p = try storedPackage(crpResult(Concentration(value: comparator == "<" ? 2 : 200, comparator: comparator, unit: "mg/L"), flags: [flag]))
        let observation = try #require(bundleResource(FHIRMapping.bundle(p, sender: sender), "Observation")?.resource)
        #expect(jsonText(observation["valueQuantity"]?["comparator"]) == comparator)
        #expect(jsonText(jsonElements(jsonElements(observation["interpretation"]).first?["coding"]).first?["code"]) == code)
        let hl7 = HL7Mapping.oru(p, sender: sender, receiver: ("LIS", "HOSP"), at: Date())
        let obx = try #require(hl7.split(separator: "\r").first { $0.hasPrefix("OBX|") }).split(separator: "|", omittingEmptySubsequences: false)
        #expect(obx[2] == "SN")
        #expect(obx[5] == "\(comparator)^\(comparator == "<" ? "2.0" : "200.0")")
        #expect(obx[8] == code)
    }

    @Test func anInvalidStripIsAnObservationWithoutAValueAndWithItsReason() throws {
        let reason = "no control line: the strip is invalid, repeat with a new cartridge"
        let p = try storedPackage(crpResult(nil, flags: [.noControlLine], status: .invalid, reason: reason))
        let observation = try #require(bundleResource(FHIRMapping.bundle(p, sender: sender), "Observation")?.resource)
        #expect(observation["valueQuantity"] == nil)
        #expect(jsonText(jsonElements(observation["dataAbsentReason"]?["coding"]).first?["code"]) == "error")
        #expect(jsonText(observation["dataAbsentReason"]?["text"]) == reason)
        let hl7 = HL7Mapping.oru(p, sender: sender, receiver: ("LIS", "HOSP"), at: Date())
        #expect(hl7.contains("|X|"))                                    // OBX-11: result cannot be obtained
        #expect(hl7.contains("NTE|1|L|\(reason)"))
    }

    @Test func everyEntryIsCreatedConditionallyOnItsOwnIdentifier() throws {
        let p = try storedPackage(crpResult(Concentration(value: 3, unit: "mg/L"), flags: []))
        let bundle = FHIRMapping.bundle(p, sender: sender)
        let entries = jsonElements(bundle["entry"])
        #expect(entries.count == 5)
        for entry in entries {
            let request = try #require(entry["request"])
            guard jsonText(request["method"]) == "POST" else {
                // The Provenance is PUT at an id derived from the result: a resend replaces it.
                #expect(jsonText(request["url"]) == "Provenance/precis-\(p.result.uid)")
                continue
            }
            let identifiers = jsonElements(entry["resource"]?["identifier"])
            let identifier = try #require(identifiers.first)
            let condition = "identifier=\(jsonText(identifier["system"]) ?? "")|\(jsonText(identifier["value"]) ?? "")"
            #expect(jsonText(request["ifNoneExist"]) == condition)
            #expect(jsonText(request["url"]) == jsonText(entry["resource"]?["resourceType"]))
        }
        #expect(jsonText(jsonElements(bundleResource(bundle, "Observation")?.resource["identifier"]).first?["value"]) == p.result.uid)
        #expect(jsonText(jsonElements(bundleResource(bundle, "DiagnosticReport")?.resource["identifier"]).first?["value"]) == p.run.uid)
        // The same result gives the same bytes: a retried Bundle is the very same Bundle.
        #expect(try FHIRMapping.bundle(p, sender: sender).data() == bundle.data())
    }

    @Test func referencesPointAtEntriesOfTheSameBundle() throws {
        let p = try storedPackage(crpResult(Concentration(value: 3, unit: "mg/L"), flags: []))
        let bundle = FHIRMapping.bundle(p, sender: sender)
        let fullURLs = Set(jsonElements(bundle["entry"]).compactMap { jsonText($0["fullUrl"]) })
        let observation = try #require(bundleResource(bundle, "Observation")?.resource)
        let report = try #require(bundleResource(bundle, "DiagnosticReport")?.resource)
        let provenance = try #require(bundleResource(bundle, "Provenance")?.resource)
        var references = [jsonText(observation["device"]?["reference"]), jsonText(observation["specimen"]?["reference"])]
        references += jsonElements(report["result"]).map { jsonText($0["reference"]) }
        references += jsonElements(report["specimen"]).map { jsonText($0["reference"]) }
        references += jsonElements(provenance["target"]).map { jsonText($0["reference"]) }
        #expect(references.count == 6)
        for reference in references { #expect(reference.map(fullURLs.contains) == true, "\(reference ?? "nil")") }
        let device = try #require(bundleResource(bundle, "Device")?.resource)
        #expect(jsonText(device["serialNumber"]) == "LFR-0042")
        #expect(jsonText(jsonElements(device["version"]).first?["value"]) == "2.3.1")
        let agents = jsonElements(provenance["agent"])
        #expect(agents.contains { jsonText($0["who"]?["identifier"]?["value"]) == "tech1" })          // the operator
        #expect(agents.contains { jsonText($0["who"]?["display"])?.contains("Precis test") == true })  // the software and version
    }

    @Test func thePatientIsNamedOnlyByItsPseudonym() throws {
        let p = try storedPackage(crpResult(Concentration(value: 3, unit: "mg/L"), flags: []), patient: "P-0042")
        let bundle = FHIRMapping.bundle(p, sender: sender)
        #expect(bundleResource(bundle, "Patient") == nil)
        let subject = try #require(bundleResource(bundle, "Observation")?.resource["subject"])
        #expect(subject == ["identifier": ["system": "urn:precis:test-bench:patient-pseudonym", "value": "P-0042"]])
        let json = String(decoding: try bundle.data(), as: UTF8.self)
        for key in ["\"Patient\"", "\"birthDate\"", "\"address\"", "\"telecom\"", "\"gender\""] { #expect(!json.contains(key)) }
        let hl7 = HL7Mapping.oru(p, sender: sender, receiver: ("LIS", "HOSP"), at: Date())
        let pid = try #require(hl7.split(separator: "\r").first { $0.hasPrefix("PID|") }).split(separator: "|", omittingEmptySubsequences: false)
        #expect(pid[3] == "P-0042^^^PRECIS^PN")
        #expect(pid.count <= 6 || pid[7].isEmpty)                          // PID-7: no birth date
    }

    @Test func anORUCarriesTheResultAsOBXWithUnitsAndFlags() throws {
        let p = try storedPackage(crpResult(Concentration(value: 9.64, unit: "mg/L"), flags: [.high]))
        let message = HL7Mapping.oru(p, sender: sender, receiver: ("LIS", "HOSP"), at: Date(timeIntervalSince1970: 1_795_000_000))
        let segments = message.split(separator: "\r").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
        #expect(segments.map { $0[0] } == ["MSH", "PID", "OBR", "OBX", "NTE", "SPM", "ZPR"])
        #expect(segments.last == ["ZPR", String(try #require(p.auditHead).sequence), try #require(p.auditHead).hash])
        #expect(segments[0][8] == "ORU^R01^ORU_R01")
        #expect(segments[0][9] == HL7Mapping.controlID(p))
        #expect(segments[0][11] == "2.5.1")
        let obx = segments[3]
        #expect(obx[2] == "NM")
        #expect(obx[3] == "1988-5^C reactive protein [Mass/volume] in Serum or Plasma^LN")
        #expect(obx[5] == "9.6")
        #expect(obx[6] == "mg/L^mg/L^UCUM")
        #expect(obx[7] == "< 5.0 mg/L")
        #expect(obx[8] == "H")
        #expect(obx[11] == "F")
        #expect(message.hasSuffix("\r"))
    }

    @Test func delimitersInTextAreEscaped() {
        #expect(HL7Mapping.escape("a|b^c&d~e\\f") == "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f")
    }
}
