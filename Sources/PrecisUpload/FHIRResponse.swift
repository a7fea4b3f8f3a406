import Foundation
import PrecisCore

/// What the centre's answer means: delivered, try again, or refused for good with the
/// server's OperationOutcome text. Limits: the body is read up to `maxBodyBytes` (by the
/// destination), its JSON nests at most `JSONLimits.maxDepth`, and at most `maxEntries`
/// entries or issues are looked at.
enum FHIRResponse {
    /// The largest answer read, in bytes (a transaction-response for one result is a few KiB).
    static let maxBodyBytes = 1 << 20
    /// The most OperationOutcome issues shown (every Bundle entry is checked: the body bounds them).
    static let maxEntries = 1000

    /// The body as JSON, nil when it is not JSON or nests too deep to be a FHIR answer.
    static func json(_ body: String) -> JSONValue? {
        let data = Data(body.utf8)
        guard data.count <= maxBodyBytes, JSONLimits.lineTooDeep(data) == nil else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: data)
    }

    static func judge(status: Int, body: String, retryAfter: String?) throws -> String {
        switch status {
        case 200..<300:
            return try judgeTransactionResponse(status: status, body: body)
        case 408, 429, 500...599:
            throw DeliveryFailure.transient("\(status) from the centre: \(outcomeText(body) ?? "no details")",
                                            retryAfter: RetryAfter.seconds(retryAfter, now: Date()))
        case 401, 403:
            // The credentials were refused, not the result: it waits (nothing is failed for good)
            // until they are put right, and then goes without anyone retrying it by hand.
            throw DeliveryFailure.transient("\(status) from the centre: \(outcomeText(body) ?? "no details")"
                                            + " (check the OAuth2 client and secret, or the client certificate)", retryAfter: nil)
        default:
            throw DeliveryFailure.permanent("\(status) from the centre: \(outcomeText(body) ?? "no details")")
        }
    }

    /// A transaction-response Bundle: every entry must report 2xx.
    static func judgeTransactionResponse(status: Int, body: String) throws -> String {
        guard let json = json(body), case .array(let entries)? = json["entry"] else { return "\(status)" }
        let statuses = entries.compactMap { entry -> String? in
            if case .string(let s)? = entry["response"]?["status"] { return s }
            return nil
        }
        if let bad = statuses.first(where: { !$0.hasPrefix("2") }) {
            throw DeliveryFailure.permanent("the centre answered \(status) but an entry says \(bad)")
        }
        return "\(status): " + statuses.joined(separator: ", ")
    }

    /// The diagnostics of an OperationOutcome, joined.
    static func outcomeText(_ body: String) -> String? {
        guard let json = json(body), case .array(let issues)? = json["issue"] else {
            let trimmed = body.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : String(trimmed.prefix(200))
        }
        let texts = issues.prefix(maxEntries).compactMap { issue -> String? in
            if case .string(let d)? = issue["diagnostics"] { return d }
            if case .string(let t)? = issue["details"]?["text"] { return t }
            return nil
        }
        return texts.isEmpty ? nil : String(texts.joined(separator: "; ").prefix(1000))
    }
}
