import Foundation
import PrecisCore

/// What the centre's answer means: delivered, try again, or refused for good with the
/// server's OperationOutcome text. Limits: the body is read up to `maxBodyBytes` (by the
/// destination), its JSON nests at most `JSONLimits.maxDepth`, and at most `maxEntries`
/// entries or issues are looked at.
public enum FHIRResponse {
    /// The largest answer read, in bytes (a transaction-response for one result is a few KiB).
    public static let maxBodyBytes = 1 << 20
    /// The most OperationOutcome issues shown (every Bundle entry is checked: the body bounds them).
    public static let maxEntries = 1000

    /// The body as JSON, nil when it is not JSON or nests too deep to be a FHIR answer.
    public static func json(_ body: String) -> JSONValue? {
        let data = Data(body.utf8)
        guard data.count <= maxBodyBytes, JSONLimits.lineTooDeep(data) == nil else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// What an answer with `status`, `body` and a `Retry-After` header means: a note when
    /// delivered, else `DeliveryFailure` (transient or permanent).
    public static func judge(status: Int, body: String, retryAfter: String?) throws -> String {
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
    public static func judgeTransactionResponse(status: Int, body: String) throws -> String {
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
    public static func outcomeText(_ body: String) -> String? {
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

/// An OAuth2 token endpoint's answer (RFC 6749 §5.1). Limits: the body is read up to
/// `maxBodyBytes`, a token longer than `maxTokenBytes` or holding anything but visible ASCII
/// is refused, and `expires_in` counts only when finite, clamped to 0…`maxLifetime` seconds.
public enum OAuth2TokenAnswer {
    /// The largest token answer read, in bytes.
    public static let maxBodyBytes = 64 << 10
    /// The longest token sent on (it goes into every request's header).
    public static let maxTokenBytes = 16 << 10
    /// The longest lifetime believed, in seconds: a day.
    public static let maxLifetime = 86_400.0
    /// The lifetime taken when the answer gives none, in seconds.
    public static let defaultLifetime = 300.0

    /// The token and how long it lasts, or nil when the answer holds no usable token.
    public static func parse(_ body: String) -> (token: String, lifetime: TimeInterval)? {
        guard body.utf8.count <= maxBodyBytes, let json = FHIRResponse.json(body),
              case .string(let token)? = json["access_token"], !token.isEmpty, token.utf8.count <= maxTokenBytes,
              token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        var lifetime = defaultLifetime
        if case .number(let seconds)? = json["expires_in"], seconds.isFinite { lifetime = min(max(seconds, 0), maxLifetime) }
        return (token, lifetime)
    }
}
