import Foundation

/// Checks the ids people type: codes, never names. Sample and patient ids are pseudonymous
/// codes and must never carry a name or a birth date (direct identifiers that must never be
/// stored, logged or sent). A refused value is never repeated in the message, so that a name
/// typed by mistake does not reach a log or a screen through Precis.
public enum Identifiers {
    /// Accepts `S-0001`, `P-7F3A`, `LAB.2026.17`, `sup1`: 1–64 characters of letters, digits and
    /// `._:-`, starting with a letter or digit. A space or comma (as in a name) or a date (as in a
    /// birth date) is refused.
    public static func validate(_ value: String, as what: String) throws -> String {
        let allowed = value.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._:-".unicodeScalars.contains($0)
        }
        let problem: String?
        if value.isEmpty { problem = "it is empty" }
        else if value.count > 64 { problem = "it is longer than 64 characters" }
        else if value.contains(" ") || value.contains(",") { problem = "it has spaces or commas, as a name would" }
        else if !allowed || value.first.map({ $0.isLetter || $0.isNumber }) != true { problem = "it has characters other than letters, digits and . _ : -" }
        else if looksLikeADate(value) || containsDate(value) { problem = "it looks like a date, as a birth date would" }
        else { problem = nil }
        if let problem { throw refusal(what, problem) }
        return value
    }

    /// A sample or patient id: what `validate` accepts, holding at least one digit (`DOE` or
    /// `Jane.Doe` is a name, not a code). `S-0001`, `P-17` and `LAB.2026.17` pass.
    public static func pseudonym(_ value: String, as what: String) throws -> String {
        let value = try validate(value, as: what)
        guard value.contains(where: \.isNumber) else { throw refusal(what, "it has no digit, as a name would") }
        return value
    }

    private static func refusal(_ what: String, _ problem: String) -> PrecisError {
        PrecisError(.input, "the \(what) given is not a valid pseudonymous id: \(problem)",
                    hint: "use the lab's code (letters, digits and . _ : -, up to 64), never a name or a birth date")
    }

    /// The whole value is a date: `1984-03-12`, `12.03.1984`, `12/03/1984`, `12.03.84`, `19840312`.
    static func looksLikeADate(_ value: String) -> Bool {
        let patterns = [#"^\d{4}-\d{1,2}-\d{1,2}$"#, #"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$"#, #"^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$"#]
        return patterns.contains { value.range(of: $0, options: .regularExpression) != nil }
    }

    /// Whether `value` holds a calendar date with a four-digit year from 1900 to 2099 anywhere,
    /// letters around it or not: three runs of digits with one separator between each
    /// (`1964-08-12`, `X12.08.1964`, `08-12-1964`) or a run of exactly eight digits (`19640812`,
    /// `S19640812X`, `P12081964`).
    static func containsDate(_ value: String) -> Bool {
        let runs = digitRuns(value)
        for run in runs where run.digits.count == 8 {
            let d = run.digits
            let first4 = Int(String(d[0..<4])) ?? 0, last4 = Int(String(d[4..<8])) ?? 0
            if isDate(year: first4, Int(String(d[4..<6])) ?? 0, Int(String(d[6..<8])) ?? 0) { return true }
            let x = Int(String(d[0..<2])) ?? 0, y = Int(String(d[2..<4])) ?? 0
            if isDate(year: last4, y, x) || isDate(year: last4, x, y) { return true }   // DDMMYYYY, MMDDYYYY
        }
        guard runs.count >= 3 else { return false }
        for i in 0...(runs.count - 3) where runs[i + 1].separated && runs[i + 2].separated {
            let window = runs[i..<(i + 3)].map { Int(String($0.digits)) ?? -1 }
            let (a, b, c) = (window[0], window[1], window[2])
            if runs[i].digits.count == 4, isDate(year: a, b, c) { return true }                           // Y-M-D
            if runs[i + 2].digits.count == 4, isDate(year: c, b, a) || isDate(year: c, a, b) { return true } // D-M-Y, M-D-Y
        }
        return false
    }

    /// The maximal runs of ASCII digits in `value`, each with whether exactly one separator
    /// (`._:-/`) stands between it and the run before.
    private static func digitRuns(_ value: String) -> [(digits: [Character], separated: Bool)] {
        var runs: [(digits: [Character], separated: Bool)] = []
        var current: [Character] = [], gap: [Character] = []
        for character in value + " " {
            if character.isASCII, character.isNumber { current.append(character); continue }
            if !current.isEmpty {
                runs.append((current, gap.count == 1 && "._:-/".contains(gap[0]) && !runs.isEmpty))
                current = []; gap = []
            }
            gap.append(character)
        }
        return runs
    }

    /// Whether year, month and day make a calendar date in 1900–2099.
    private static func isDate(year: Int, _ month: Int, _ day: Int) -> Bool {
        (1900...2099).contains(year) && CalendarDate(year: year, month: month, day: day) != nil
    }
}
