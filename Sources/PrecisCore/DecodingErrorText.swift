import Foundation

extension DecodingError {
    /// What is wrong with a decoded file, in words a user can act on: the field by its path
    /// (`centre.baseURL`, `lines[2].name`) and what it should be.
    public var plainDescription: String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch self {
        case let .keyNotFound(key, context):
            let at = path(context.codingPath)
            return "missing field '\(at.isEmpty ? key.stringValue : at + "." + key.stringValue)'"
        case let .typeMismatch(type, context):
            return "field '\(path(context.codingPath))' should be \(type)"
        case let .valueNotFound(type, context):
            return "field '\(path(context.codingPath))' is null, expected \(type)"
        case let .dataCorrupted(context):
            let at = path(context.codingPath)
            return at.isEmpty ? "not valid JSON" : "field '\(at)': \(context.debugDescription)"
        @unknown default:
            return "\(self)"
        }
    }
}
