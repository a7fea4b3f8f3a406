import Foundation
import PrecisCore

/// One element of an S3 answer: its name (prefix dropped), its text, its children.
public struct S3XMLElement: Sendable, Equatable {
    /// The local name, `UploadId`.
    public var name: String
    /// The text directly inside it, entities decoded.
    public var text: String
    /// The elements inside it, in order.
    public var children: [S3XMLElement]

    /// The first child named `name`.
    public func child(_ name: String) -> S3XMLElement? { children.first { $0.name == name } }
    /// Every child named `name`.
    public func all(_ name: String) -> [S3XMLElement] { children.filter { $0.name == name } }
    /// The text of the first child named `name`.
    public func value(_ name: String) -> String? { child(name)?.text }
}

/// A reader for the small XML documents S3 answers with (errors, upload ids, part lists), with
/// stated limits: at most `maxBytes` of input, `maxDepth` levels, `maxElements` elements and
/// `maxNameBytes` per name. No DTD, no external entities, no processing beyond the declaration:
/// anything else is refused with the offset where it was found.
public enum S3XML {
    /// The largest answer read (a ListParts page of 1 000 parts is about 200 KiB).
    public static let maxBytes = 1 << 20
    /// The deepest nesting (S3's answers are 3 levels deep).
    public static let maxDepth = 8
    /// The most elements.
    public static let maxElements = 20_000
    /// The longest element name.
    public static let maxNameBytes = 128

    /// The document element of `bytes`, or a `.protocol` error naming the limit or the fault.
    public static func parse(_ bytes: [UInt8]) throws -> S3XMLElement {
        guard bytes.count <= maxBytes else { throw refuse("is \(bytes.count) bytes, more than the \(maxBytes) taken") }
        var reader = Reader(bytes: bytes)
        return try reader.document()
    }

    static func refuse(_ what: String) -> PrecisError { PrecisError(.protocol, "the S3 answer \(what)") }

    struct Reader {
        let bytes: [UInt8]
        var at = 0
        var elements = 0

        mutating func document() throws -> S3XMLElement {
            try skipMisc()
            guard peek(UInt8(ascii: "<")) else { throw fault("has no element") }
            let root = try element(depth: 1)
            try skipMisc()
            guard at == bytes.count else { throw fault("has content after its element") }
            return root
        }

        /// Whitespace, the XML declaration and comments.
        mutating func skipMisc() throws {
            while true {
                while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
                if starts("<?") {
                    try skip(past: "?>")
                } else if starts("<!--") {
                    try skip(past: "-->")
                } else if starts("<!") {
                    throw fault("holds a DOCTYPE, which S3 never sends (no entities are defined)")
                } else {
                    return
                }
            }
        }

        mutating func element(depth: Int) throws -> S3XMLElement {
            guard depth <= S3XML.maxDepth else { throw fault("is nested deeper than \(S3XML.maxDepth)") }
            elements += 1
            guard elements <= S3XML.maxElements else { throw fault("has more than \(S3XML.maxElements) elements") }
            at += 1                                   // '<'
            let name = try self.name()
            while at < bytes.count, bytes[at] != UInt8(ascii: ">"), bytes[at] != UInt8(ascii: "/") { try attribute() }
            if starts("/>") { at += 2; return S3XMLElement(name: name, text: "", children: []) }
            guard starts(">") else { throw fault("ends inside <\(name)>") }
            at += 1
            var node = S3XMLElement(name: name, text: "", children: [])
            var text: [UInt8] = []
            while true {
                guard at < bytes.count else { throw fault("ends inside <\(name)>") }
                if starts("</") {
                    at += 2
                    guard try self.name() == name, starts(">") else { throw fault("closes <\(name)> with another tag") }
                    at += 1
                    node.text = try Self.decode(text, at: at)
                    return node
                } else if starts("<!--") {
                    try skip(past: "-->")
                } else if starts("<!") || starts("<?") {
                    throw fault("holds a declaration or CDATA, which S3 never sends")
                } else if starts("<") {
                    node.children.append(try element(depth: depth + 1))
                } else {
                    text.append(bytes[at])
                    at += 1
                }
            }
        }

        /// A name (the prefix before ':' dropped).
        mutating func name() throws -> String {
            let start = at
            while at < bytes.count, !" \t\r\n/>=".utf8.contains(bytes[at]) { at += 1 }
            guard at > start, at - start <= S3XML.maxNameBytes else { throw fault("has a tag name that is empty or too long") }
            let full = String(decoding: bytes[start..<at], as: UTF8.self)
            return full.split(separator: ":").last.map(String.init) ?? full
        }

        /// Skips ` name="value"` (S3's xmlns); values are not kept.
        mutating func attribute() throws {
            while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
            if at < bytes.count, bytes[at] == UInt8(ascii: ">") || bytes[at] == UInt8(ascii: "/") { return }
            _ = try name()
            guard starts("="), at + 1 < bytes.count, bytes[at + 1] == 0x22 || bytes[at + 1] == 0x27 else {
                throw fault("has an attribute without a quoted value")
            }
            let quote = bytes[at + 1]
            at += 2
            while at < bytes.count, bytes[at] != quote { at += 1 }
            guard at < bytes.count else { throw fault("ends inside an attribute") }
            at += 1
        }

        /// The five predefined entities and numeric references.
        static func decode(_ text: [UInt8], at: Int) throws -> String {
            let raw = String(decoding: text, as: UTF8.self)
            guard raw.contains("&") else { return raw }
            var out = ""
            var rest = raw[...]
            while let amp = rest.firstIndex(of: "&") {
                out += rest[..<amp]
                guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                    throw S3XML.refuse("has an unterminated entity before offset \(at)")
                }
                let entity = rest[rest.index(after: amp)..<semi]
                let named = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'"]
                if let value = named[String(entity)] {
                    out += value
                } else if entity.hasPrefix("#"), let scalar = Self.scalar(entity.dropFirst()) {
                    out.unicodeScalars.append(scalar)
                } else {
                    throw S3XML.refuse("has an unknown entity &\(entity); before offset \(at)")
                }
                rest = rest[rest.index(after: semi)...]
            }
            return out + rest
        }

        static func scalar(_ digits: Substring) -> Unicode.Scalar? {
            let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
            return value.flatMap(Unicode.Scalar.init)
        }

        func peek(_ byte: UInt8) -> Bool { at < bytes.count && bytes[at] == byte }
        func starts(_ text: String) -> Bool {
            var i = at
            for b in text.utf8 {
                guard i < bytes.count, bytes[i] == b else { return false }
                i += 1
            }
            return true
        }
        mutating func skip(past end: String) throws {
            while at < bytes.count {
                if starts(end) { at += end.utf8.count; return }
                at += 1
            }
            throw fault("ends inside a comment or declaration")
        }
        func fault(_ what: String) -> PrecisError { S3XML.refuse("\(what) (at byte \(at))") }
    }
}
