import Foundation

/// An HL7 v2 acknowledgement from the LIS, judged by MSA-1 (original or enhanced mode):
/// AA/CA delivered, AE/CE try again, AR/CR or anything else refused for good. MSA-2 must
/// name the message sent. Limits: at most `maxBytes` are read (MLLP stops there), and what the
/// LIS says is quoted in at most `maxQuoted` visible characters.
public enum HL7Ack {
    /// The largest ACK read, in bytes (one is about 200).
    public static let maxBytes = 64 << 10
    /// The most characters of the LIS's own text quoted in a failure.
    public static let maxQuoted = 200

    /// A note for the audit log when the ACK accepts the message `controlID`, else `DeliveryFailure`.
    public static func judge(_ ack: String, controlID: String) throws -> String {
        guard ack.utf8.count <= maxBytes else {
            throw DeliveryFailure.transient("the LIS's ACK is longer than \(maxBytes) bytes", retryAfter: nil)
        }
        let segments = ack.split(whereSeparator: { $0 == "\r" || $0 == "\n" })
        // MSH-1 names the field separator; `|` when the ACK has no MSH.
        let separator = segments.first(where: { $0.hasPrefix("MSH") && $0.count > 3 })
            .map { $0[$0.index($0.startIndex, offsetBy: 3)] } ?? "|"
        guard let msa = segments.first(where: { $0.hasPrefix("MSA\(separator)") }) else {
            throw DeliveryFailure.transient("the LIS answered without an MSA segment", retryAfter: nil)
        }
        let fields = msa.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
        let code = fields.count > 1 ? fields[1] : "", acked = fields.count > 2 ? fields[2] : ""
        let text = quoted(fields.count > 3 ? fields[3] : "")
        guard acked == controlID else {
            throw DeliveryFailure.transient("the LIS acknowledged \(quoted(acked)), not \(controlID)", retryAfter: nil)
        }
        switch code {
        case "AA", "CA": return "ACK \(code)"
        case "AE", "CE": throw DeliveryFailure.transient("the LIS answered \(code): \(text)", retryAfter: nil)
        default: throw DeliveryFailure.permanent("the LIS rejected the message (\(quoted(code))): \(text)")
        }
    }

    /// `text` with control characters dropped, cut to `maxQuoted` characters.
    static func quoted(_ text: String) -> String {
        let visible = String(String.UnicodeScalarView(text.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }))
        return visible.count > maxQuoted ? String(visible.prefix(maxQuoted)) + "…" : visible
    }
}
