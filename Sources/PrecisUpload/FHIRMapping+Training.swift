import Foundation
import PrecisFormats
import PrecisStore

extension FHIRMapping {
    /// HL7 v3 ActReason `HTEST`, "test health data": the standard label of data that is not a
    /// patient's, used both as a tag and as a security label.
    static let testHealthData: JSONValue = [
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HTEST", "display": "test health data",
    ]

    /// `meta` for a training result (a simulator or a replayed trace), nil for a patient's.
    static func trainingMeta(_ package: ResultPackage) -> JSONValue? {
        package.run.training ? ["tag": [testHealthData], "security": [testHealthData]] : nil
    }

    /// `resource` with the training `meta` when the result is a training one.
    static func marked(_ resource: JSONValue, _ package: ResultPackage) -> JSONValue {
        guard let meta = trainingMeta(package), case .object(var members) = resource else { return resource }
        members["meta"] = meta
        return .object(members)
    }

    /// A Bundle entry whose resource is `marked`.
    static func markedEntry(_ entry: JSONValue, _ package: ResultPackage) -> JSONValue {
        guard case .object(var members) = entry, let resource = members["resource"] else { return entry }
        members["resource"] = marked(resource, package)
        return .object(members)
    }
}
