import Foundation
import PrecisCore
import PrecisStore

/// Turns a stored result into an HL7 v2.5.1 ORU^R01 message for the hospital LIS: MSH, PID
/// (pseudonymous id only), OBR, OBX with the value, UCUM unit, reference range and abnormal
/// flags, NTE for the reason of an invalid result, SPM for the specimen. Segments end in CR.
public enum HL7Mapping {
    /// The message for `package`; `controlID` is MSH-10 (the result's uid, so a resend is recognisable).
    public static func oru(_ package: ResultPackage, sender: Sender, receiver: (application: String, facility: String),
                           at: Date) -> String {
        let r = package.result
        let time = stamp(at)
        let observed = Timestamp.date(package.run.startedAt).map(stamp) ?? time
        let code = Self.code(Coding(code: r.loincCode, display: r.loincDisplay, system: r.codeSystem))
        var segments = [
            "MSH|^~\\&|PRECIS^\(escape(sender.site))|\(escape(sender.site))|\(escape(receiver.application))|"
                + "\(escape(receiver.facility))|\(time)||ORU^R01^ORU_R01|\(controlID(package))|\(processingID(package))|2.5.1|||AL|NE",
            "PID|1||\(escape(package.patientID ?? "UNKNOWN"))^^^PRECIS^PN||PSEUDONYMIZED^^^^^^U",
            "OBR|1||\(escape(FHIRMapping.reportIdentifier(package)))^PRECIS|\(code)|||\(observed)|||||||\(observed)||||||||"
                + "\(stamp(Timestamp.date(r.createdAt) ?? at))||CH|\(r.status == .invalid ? "X" : "F")",
            obx(r, code: code, observed: observed, instrument: package.instrument.id),
        ]
        if r.status != .invalid {
            for (index, c) in (r.components ?? []).enumerated() {
                segments.append("OBX|\(index + 2)|NM|\(Self.code(c.code))||\(String(format: "%.\(c.decimals)f", c.value))|"
                                + "\(escape(c.unit))^\(escape(c.unit))^UCUM|||||F|||\(observed)||||\(escape(package.instrument.id))")
            }
        }
        if let reason = r.reason, r.concentration == nil || r.status == .invalid { segments.append("NTE|1|L|\(escape(reason))") }
        if !r.flags.isEmpty { segments.append("NTE|2|L|Precis flags: \(escape(r.flags.map(\.rawValue).joined(separator: ", ")))") }
        // SPM-4 specimen type: the assay's (HL7 table 0487 or SNOMED CT), serum when it names none.
        let specimen = r.specimen ?? .serum
        segments.append("SPM|1|\(escape(package.sampleID))^PRECIS||\(escape(specimen.code))^\(escape(specimen.display))^\(specimen.system)"
                        + "|||||||||||||\(observed)")
        if let head = package.auditHead { segments.append(auditHeadSegment(head)) }
        return segments.joined(separator: "\r") + "\r"
    }

    /// OBR-4 / OBX-3 as CWE: LOINC (`LN`), or Precis's own codes under the local coding system
    /// `99PRC` (HL7 table 0396 leaves `99zzz` to local systems).
    static func code(_ c: Coding) -> String {
        "\(escape(c.code))^\(escape(c.display))^\(c.system == nil ? "LN" : "99PRC")"
    }

    /// MSH-11 (HL7 table 0103): `T` (training) for a simulated or replayed run, `P` (production) otherwise.
    public static func processingID(_ package: ResultPackage) -> String { package.run.training ? "T" : "P" }

    /// ZPR, Precis' own segment, last in the message: ZPR-1 the audit chain's head (the newest
    /// audit row's id) when the message was put together, ZPR-2 that row's hash (64 hex
    /// digits). The LIS keeps it; `precis audit verify` later checks the chain still holds it.
    static func auditHeadSegment(_ head: AuditHead) -> String { "ZPR|\(head.sequence)|\(head.hash)" }

    /// MSH-10: stable per result.
    public static func controlID(_ package: ResultPackage) -> String {
        String(package.result.uid.replacingOccurrences(of: "-", with: "").prefix(20))
    }

    static func obx(_ r: ResultRecord, code: String, observed: String, instrument: String) -> String {
        let unit = "\(escape(r.unit))^\(escape(r.unit))^UCUM"
        let flags = abnormalFlags(r.flags)
        let range = escape(r.referenceRange ?? "")
        if r.status == .invalid { return "OBX|1|ST|\(code)||||||||X|||\(observed)||||\(escape(instrument))" }
        if let coded = r.coded {
            let system = coded.system == CodedValue.snomed ? "SCT" : escape(coded.system)
            return "OBX|1|CWE|\(code)||\(escape(coded.code))^\(escape(coded.display))^\(system)||||||F|||\(observed)||||\(escape(instrument))"
        }
        guard let c = r.concentration else {
            return "OBX|1|ST|\(code)||||||||X|||\(observed)||||\(escape(instrument))"
        }
        let value = String(format: "%.\(r.decimals)f", c.value)
        if let comparator = c.comparator {
            return "OBX|1|SN|\(code)||\(escape(comparator))^\(value)|\(unit)|\(range)|\(flags)|||F|||\(observed)||||\(escape(instrument))"
        }
        return "OBX|1|NM|\(code)||\(value)|\(unit)|\(range)|\(flags)|||F|||\(observed)||||\(escape(instrument))"
    }

    /// HL7 table 0078 abnormal flags, repeated with `~`.
    static func abnormalFlags(_ flags: [ResultFlag]) -> String {
        flags.compactMap { flag -> String? in
            switch flag {
            case .high: "H"
            case .low: "L"
            case .aboveMeasuringRange: ">"
            case .belowLimitOfDetection: "<"
            default: nil
            }
        }.joined(separator: "~")
    }

    /// `YYYYMMDDHHMMSS` in UTC with the offset, as HL7 DTM.
    static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02d%02d%02d%02d+0000", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// Escapes the delimiters (HL7 v2 §2.7.4).
    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "\\": out += "\\E\\"
            case "|": out += "\\F\\"
            case "^": out += "\\S\\"
            case "&": out += "\\T\\"
            case "~": out += "\\R\\"
            case "\r", "\n": out += " "
            default: out.append(ch)
            }
        }
        return out
    }
}
