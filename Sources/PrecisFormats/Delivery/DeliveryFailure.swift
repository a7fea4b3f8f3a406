import Foundation

/// Why a delivery did not go through, and whether to try again.
public enum DeliveryFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Try again later (5xx, 408, 429, no connection, timeout); `retryAfter` is what the server asked for.
    case transient(String, retryAfter: TimeInterval?)
    /// Never try again on its own (a 4xx other than 408/429: the message itself is refused).
    case permanent(String)

    /// The reason, for the queue and the logs.
    public var description: String {
        switch self {
        case .transient(let why, _): why
        case .permanent(let why): why
        }
    }
}

/// Retry-After: delta-seconds or an HTTP-date (RFC 9110 §10.2.3), as seconds from `now`.
public enum RetryAfter {
    /// The seconds the header asks to wait, nil when it is absent or unreadable.
    public static func seconds(_ header: String?, now: Date) -> TimeInterval? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Int(header), seconds >= 0 { return TimeInterval(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: header) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
