import Foundation

/// What the centre's answer means: delivered, try again, or refused for good with the
/// server's OperationOutcome text.
enum FHIRResponse {
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
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8)),
              case .array(let entries)? = json["entry"] else { return "\(status)" }
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
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8)),
              case .array(let issues)? = json["issue"] else {
            let trimmed = body.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : String(trimmed.prefix(200))
        }
        let texts = issues.compactMap { issue -> String? in
            if case .string(let d)? = issue["diagnostics"] { return d }
            if case .string(let t)? = issue["details"]?["text"] { return t }
            return nil
        }
        return texts.isEmpty ? nil : texts.joined(separator: "; ")
    }
}
