import Foundation
import PrecisCore
import PrecisFormats
import PrecisStore

/// Who sends: the bench box and the software, named in every message.
public struct Sender: Sendable, Equatable {
    /// The bench box's id at the centre (configured; the host name by default).
    public var site: String
    /// Precis' version.
    public var software: String
    /// What each family's instruments are, by family (`device.json`'s `name`): a Device's type.
    public var deviceTypes: [String: String]

    /// Makes a sender.
    public init(site: String, software: String, deviceTypes: [String: String] = [:]) {
        self.site = site
        self.software = software
        self.deviceTypes = deviceTypes
    }
}

/// Turns a stored result into one FHIR R4 transaction Bundle: Observation, DiagnosticReport,
/// Device, Specimen and Provenance, with the patient named only by a pseudonymous identifier.
/// Every entry is created conditionally on a stable identifier (`ifNoneExist`), and the
/// Provenance is put at an id derived from the result, so a Bundle sent twice creates nothing twice.
public enum FHIRMapping {
    /// Identifier systems: URNs under this site.
    static func system(_ sender: Sender, _ kind: String) -> String { "urn:precis:\(sender.site):\(kind)" }

    /// The Bundle for `package`.
    public static func bundle(_ package: ResultPackage, sender: Sender) -> JSONValue {
        let ids = ResourceIDs(package)
        let observation = FHIRMapping.observation(package, sender: sender, ids: ids)
        var entries: [JSONValue] = [
            entry(ids.device, device(package, sender: sender), post: "Device",
                  ifNoneExist: "identifier=\(system(sender, "instrument"))|\(package.instrument.id)"),
            entry(ids.specimen, specimen(package, sender: sender), post: "Specimen",
                  ifNoneExist: "identifier=\(system(sender, "sample"))|\(package.sampleID)"),
            entry(ids.observation, observation, post: "Observation",
                  ifNoneExist: "identifier=\(system(sender, "result"))|\(package.result.uid)"),
            entry(ids.report, report(package, sender: sender, ids: ids), post: "DiagnosticReport",
                  ifNoneExist: "identifier=\(system(sender, "run"))|\(reportIdentifier(package))"),
            [
                "fullUrl": .string("urn:uuid:\(ids.provenance)"),
                "resource": provenance(package, sender: sender, ids: ids),
                "request": ["method": "PUT", "url": .string("Provenance/precis-\(package.result.uid)")],
            ],
        ]
        if let reads = readsFile(package) {
            entries.insert(entry(ids.document, documentReference(package, reads, sender: sender, ids: ids), post: "DocumentReference",
                                 ifNoneExist: "identifier=\(system(sender, "reads"))|\(package.run.uid)"), at: 2)
        }
        return marked([
            "resourceType": "Bundle", "type": "transaction",
            "identifier": ["system": .string(system(sender, "bundle")), "value": .string(package.result.uid)],
            "timestamp": .string(package.result.createdAt), "entry": .array(entries.map { markedEntry($0, package) }),
        ], package)
    }

    static func entry(_ id: String, _ resource: JSONValue, post type: String, ifNoneExist: String) -> JSONValue {
        ["fullUrl": .string("urn:uuid:\(id)"), "resource": resource,
         "request": ["method": "POST", "url": .string(type), "ifNoneExist": .string(ifNoneExist)]]
    }

    /// The pseudonymous patient, as a logical reference (no Patient resource is ever sent).
    static func subject(_ package: ResultPackage, sender: Sender) -> JSONValue? {
        package.patientID.map { ["identifier": ["system": .string(system(sender, "patient-pseudonym")), "value": .string($0)]] }
    }

    /// What each family's instrument is, for Device.type.
    static func device(_ package: ResultPackage, sender: Sender) -> JSONValue {
        let i = package.instrument
        return .object([
            ("resourceType", "Device"),
            ("identifier", [["system": .string(system(sender, "instrument")), "value": .string(i.id)]]),
            ("serialNumber", .string(i.serial)),
            ("deviceName", i.model.map { [["name": .string($0), "type": "model-name"]] }),
            ("type", ["text": .string(sender.deviceTypes[i.family] ?? "\(i.family) instrument")]),
            ("version", [["value": .string(i.firmware)]]),
            ("status", "active"),
        ])
    }

    /// The DiagnosticReport's identifier: the run's uid, and on a run of several samples (a
    /// plate) the sample after it, so each sample of a run has its own report.
    static func reportIdentifier(_ package: ResultPackage) -> String {
        package.result.sampleID.map { "\(package.run.uid)/\($0)" } ?? package.run.uid
    }

    /// Specimen.type: SNOMED CT as it is, HL7 table 0487 under its FHIR code system.
    static func specimenType(_ type: SpecimenType) -> JSONValue {
        let system = type.system == "SCT" ? CodedValue.snomed : "http://terminology.hl7.org/CodeSystem/v2-0487"
        return ["coding": [["system": .string(system), "code": .string(type.code), "display": .string(type.display)]],
                "text": .string(type.display)]
    }

    static func specimen(_ package: ResultPackage, sender: Sender) -> JSONValue {
        .object([
            ("resourceType", "Specimen"),
            ("identifier", [["system": .string(system(sender, "sample")), "value": .string(package.sampleID)]]),
            ("type", specimenType(package.result.specimen ?? .serum)),
            ("subject", subject(package, sender: sender)),
            ("receivedTime", .string(package.run.startedAt)),
            ("status", "available"),
        ])
    }
}

/// Stable fullUrl UUIDs for one result's resources, derived from its uid.
struct ResourceIDs {
    let observation: String, report: String, device: String, specimen: String, provenance: String, document: String

    init(_ package: ResultPackage) {
        let seed = package.result.uid
        observation = Self.uuid(seed + "/observation")
        report = Self.uuid(seed + "/report")
        device = Self.uuid(seed + "/device")
        specimen = Self.uuid(seed + "/specimen")
        provenance = Self.uuid(seed + "/provenance")
        document = Self.uuid(package.run.uid + "/reads")
    }

    /// A version-4-shaped UUID from two 64-bit FNV-1a hashes of `text` (stable, not secret).
    static func uuid(_ text: String) -> String {
        func fnv(_ seed: UInt64) -> UInt64 {
            var h = seed
            for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
            return h
        }
        var bytes = withUnsafeBytes(of: fnv(0xCBF2_9CE4_8422_2325).bigEndian, Array.init)
            + withUnsafeBytes(of: fnv(0x8422_2325_CBF2_9CE4).bigEndian, Array.init)
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
}

extension FHIRMapping {
    /// Formats of the files a DocumentReference points at (no public code system names them).
    static let fileFormatSystem = "urn:precis:codes:file-format"

    /// The reads file a result came from, when it is one (a sequencing run's).
    static func readsFile(_ package: ResultPackage) -> RawDataRecord? {
        guard let raw = package.rawData, raw.kind == .reads, raw.path != nil else { return nil }
        return raw
    }

    /// The sequencing run's reads file: once it is whole in the centre's S3 inbox, the object's
    /// URL with the plain and encrypted files' sizes, SHA-256 and MD5; until then its name, size,
    /// format and SHA-256 — the digest as an RFC 6920 `ni:` URI identifier, since R4's
    /// Attachment.hash is SHA-1 only; the size in Attachment.size where it fits R4's
    /// unsignedInt (2^31 − 1 bytes) and in the description always.
    static func documentReference(_ p: ResultPackage, _ raw: RawDataRecord, sender: Sender, ids: ResourceIDs) -> JSONValue {
        let name = raw.path.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "reads"
        let code = ReadsSummary.format(ofPath: raw.path ?? name)
        let format = (code, code == "slow5" ? "SLOW5 (raw nanopore signal, text)"
                                            : "BLOW5 (raw nanopore signal, binary; svb-zd signal, zlib records)")
        var attachment: [(String, JSONValue?)] = [("contentType", .string(raw.mediaType)), ("title", .string(name))]
        if raw.size <= Int(Int32.max) { attachment.append(("size", .number(Double(raw.size)))) }
        var identifiers: [JSONValue] = [
            ["system": .string(system(sender, "reads")), "value": .string(p.run.uid)],
            ["system": "urn:ietf:rfc:3986", "value": .string(niURI(sha256Hex: raw.sha256))],
        ]
        var description = "\(name): \(raw.size) bytes, SHA-256 \(raw.sha256); kept on the bench box \(sender.site) until delivered"
        if let inbox = p.inbox, let plain = inbox.plain, let encrypted = inbox.encrypted {
            attachment = inboxAttachment(inbox, encrypted: encrypted, name: name)
            identifiers.append(["system": "urn:ietf:rfc:3986", "value": .string(niURI(sha256Hex: encrypted.sha256))])
            description = "\(name): \(plain.size) bytes, SHA-256 \(plain.sha256), MD5 \(plain.md5); in the centre's inbox as "
                + "\(inbox.objectURL), encrypted with Crypt4GH: \(encrypted.size) bytes, SHA-256 \(encrypted.sha256), MD5 \(encrypted.md5)"
        }
        return .object([
            ("resourceType", "DocumentReference"),
            ("identifier", .array(identifiers)),
            ("status", "current"),
            ("docStatus", raw.complete ? "final" : "preliminary"),
            ("type", ["text": "Nanopore sequencing run: raw signal reads"]),
            ("subject", subject(p, sender: sender)),
            ("date", .string(raw.createdAt)),
            ("author", [["reference": .string("urn:uuid:\(ids.device)")]]),
            ("description", .string(description)),
            ("content", [.object([
                ("attachment", .object(attachment)),
                ("format", ["system": .string(fileFormatSystem), "code": .string(format.0), "display": .string(format.1)]),
            ])]),
            ("context", ["related": [["reference": .string("urn:uuid:\(ids.specimen)")]]]),
        ])
    }

    /// The attachment of a file in the centre's S3 inbox: its `s3://` URL, the encrypted file's
    /// name and size (where it fits R4's unsignedInt).
    static func inboxAttachment(_ inbox: InboxUpload, encrypted: FileChecksums, name: String) -> [(String, JSONValue?)] {
        var attachment: [(String, JSONValue?)] = [("contentType", "application/octet-stream"), ("url", .string(inbox.objectURL)),
                                                  ("title", .string(name + ".c4gh"))]
        if encrypted.size <= Int(Int32.max) { attachment.append(("size", .number(Double(encrypted.size)))) }
        return attachment
    }

    /// `ni:///sha-256;` and the digest in unpadded base64url (RFC 6920).
    static func niURI(sha256Hex hex: String) -> String {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex),
              let byte = UInt8(hex[index..<next], radix: 16) {
            bytes.append(byte)
            index = next
        }
        let b64 = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "ni:///sha-256;" + b64
    }
}
