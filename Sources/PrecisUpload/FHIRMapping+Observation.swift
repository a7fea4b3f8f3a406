import Foundation
import PrecisCore
import PrecisFormats
import PrecisStore

extension FHIRMapping {
    static let loinc = "http://loinc.org"
    static let ucum = "http://unitsofmeasure.org"
    static let interpretationSystem = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"

    /// FHIR's status of a result: an invalid one is `cancelled` (no value could be given), never final.
    static func status(_ r: ResultRecord) -> JSONValue { r.status == .invalid ? "cancelled" : "final" }

    /// The Observation: the value in UCUM with its comparator, a coded value (SNOMED CT
    /// Detected / Not detected), or, for an invalid result, a data-absent reason and why.
    static func observation(_ p: ResultPackage, sender: Sender, ids: ResourceIDs) -> JSONValue {
        let r = p.result
        let lot = p.lot.map { "lot \($0.lot) v\($0.version)" }
        let method = r.method.map { $0 + (lot.map { " (\($0))" } ?? "") }
            ?? "Lateral-flow immunoassay on a reflectance reader (T/C ratio" + (lot.map { ", \($0)" } ?? "") + ")"
        var members: [(String, JSONValue?)] = [
            ("resourceType", "Observation"),
            ("identifier", [["system": .string(system(sender, "result")), "value": .string(r.uid)]]),
            ("status", status(r)),
            ("category", [["coding": [["system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                         "code": "laboratory", "display": "Laboratory"]]]]),
            ("code", ["coding": [["system": .string(r.codeSystem ?? loinc), "code": .string(r.loincCode),
                                  "display": .string(r.loincDisplay)]],
                      "text": .string(r.analyte)]),
            ("subject", subject(p, sender: sender)),
            ("effectiveDateTime", .string(p.run.startedAt)),
            ("issued", .string(r.createdAt)),
            ("method", ["text": .string(method)]),
            ("device", ["reference": .string("urn:uuid:\(ids.device)")]),
            ("specimen", ["reference": .string("urn:uuid:\(ids.specimen)")]),
            ("interpretation", interpretation(r.flags)),
            ("referenceRange", r.referenceRange.map { [["text": .string($0)]] }),
        ]
        if let coded = r.coded, r.status != .invalid {
            members.append(("valueCodeableConcept", [
                "coding": [["system": .string(coded.system), "code": .string(coded.code), "display": .string(coded.display)]],
                "text": .string(coded.display),
            ]))
        } else if let c = r.concentration {
            let value = Double(String(format: "%.\(r.decimals)f", c.value)) ?? c.value
            members.append(("valueQuantity", .object([
                ("value", .number(value)), ("comparator", c.comparator.map(JSONValue.string)),
                ("unit", .string(c.unit)), ("system", .string(ucum)), ("code", .string(c.unit)),
            ])))
        } else {
            members.append(("dataAbsentReason", [
                "coding": [["system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "error", "display": "Error"]],
                "text": .string(r.reason ?? "no valid result"),
            ]))
        }
        if let components = r.components, !components.isEmpty, r.status != .invalid {
            members.append(("component", .array(components.map(component))))
        }
        if readsFile(p) != nil {
            members.append(("derivedFrom", [["reference": .string("urn:uuid:\(ids.document)")]]))
        }
        if !r.flags.isEmpty {
            members.append(("note", [["text": .string("Precis flags: " + r.flags.map(\.rawValue).joined(separator: ", "))]]))
        }
        return .object(members)
    }

    /// One further value of a result (a sequencing run's bases, N50, occupancy, losses), in UCUM.
    static func component(_ c: ResultComponent) -> JSONValue {
        let value = Double(String(format: "%.\(c.decimals)f", c.value)) ?? c.value
        return [
            "code": ["coding": [["system": .string(c.code.system ?? loinc), "code": .string(c.code.code),
                                 "display": .string(c.code.display)]], "text": .string(c.code.display)],
            "valueQuantity": ["value": .number(value), "unit": .string(c.unit), "system": .string(ucum), "code": .string(c.unit)],
        ]
    }

    /// v3 ObservationInterpretation codes for the flags that have one.
    static func interpretation(_ flags: [ResultFlag]) -> JSONValue? {
        let codes: [(String, String)] = flags.compactMap { flag in
            switch flag {
            case .high: ("H", "High")
            case .low: ("L", "Low")
            case .aboveMeasuringRange: (">", "Off scale high")
            case .belowLimitOfDetection: ("<", "Off scale low")
            default: nil
            }
        }
        guard !codes.isEmpty else { return nil }
        return .array(codes.map { ["coding": [["system": .string(interpretationSystem), "code": .string($0.0), "display": .string($0.1)]]] })
    }

    /// The DiagnosticReport of the run.
    static func report(_ p: ResultPackage, sender: Sender, ids: ResourceIDs) -> JSONValue {
        .object([
            ("resourceType", "DiagnosticReport"),
            ("identifier", [["system": .string(system(sender, "run")), "value": .string(reportIdentifier(p))]]),
            ("status", p.result.status == .invalid ? "cancelled" : "final"),
            ("category", [["coding": [["system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "LAB"]]]]),
            ("code", ["coding": [["system": .string(p.result.codeSystem ?? loinc), "code": .string(p.result.loincCode),
                                  "display": .string(p.result.loincDisplay)]],
                      "text": .string("\(p.result.analyte), point-of-care")]),
            ("subject", subject(p, sender: sender)),
            ("effectiveDateTime", .string(p.run.startedAt)),
            ("issued", .string(p.result.createdAt)),
            ("specimen", [["reference": .string("urn:uuid:\(ids.specimen)")]]),
            ("result", [["reference": .string("urn:uuid:\(ids.observation)")]]),
        ])
    }

    /// The Provenance: the instrument, the software and the operator behind the result, and
    /// the audit chain's head (`withAuditHead`).
    static func provenance(_ p: ResultPackage, sender: Sender, ids: ResourceIDs) -> JSONValue {
        let agentType = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
        return withAuditHead([
            "resourceType": "Provenance",
            "target": [["reference": .string("urn:uuid:\(ids.observation)")], ["reference": .string("urn:uuid:\(ids.report)")]],
            "recorded": .string(p.result.createdAt),
            "agent": [
                ["type": ["coding": [["system": .string(agentType), "code": "performer"]]],
                 "who": ["identifier": ["system": .string(system(sender, "operator")), "value": .string(p.run.operatorID)]]],
                ["type": ["coding": [["system": .string(agentType), "code": "assembler"]]],
                 "who": ["display": .string("Precis \(sender.software) at \(sender.site)")]],
                ["type": ["coding": [["system": .string(agentType), "code": "composer"]]],
                 "who": ["reference": .string("urn:uuid:\(ids.device)")]],
            ],
        ], p.auditHead)
    }
}
