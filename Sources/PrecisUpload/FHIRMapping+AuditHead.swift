import Foundation
import PrecisFormats
import PrecisStore

extension FHIRMapping {
    /// The extension that carries the audit chain's head in the Provenance: a complex
    /// extension with `sequence` (the audit row's id, positiveInt) and `hash` (its SHA-256,
    /// 64 hex digits). The centre keeps it; `precis audit verify` later checks that the
    /// local chain still holds that row with that hash.
    public static let auditHeadExtension = "urn:precis:fhir:extension:audit-head"

    /// `resource` with the head as its extension (unchanged when there is no head).
    static func withAuditHead(_ resource: JSONValue, _ head: AuditHead?) -> JSONValue {
        guard let head, case .object(var members) = resource else { return resource }
        members["extension"] = [[
            "url": .string(auditHeadExtension),
            "extension": [["url": "sequence", "valuePositiveInt": .number(Double(head.sequence))],
                          ["url": "hash", "valueString": .string(head.hash)]],
        ]]
        return .object(members)
    }
}
