import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PrecisCore

/// An XML element read whole: name (without namespace prefix), attributes, children, text.
public final class XMLElement: @unchecked Sendable {
    /// The local name.
    public let name: String
    /// The attributes.
    public let attributes: [String: String]
    /// The child elements, in order.
    public internal(set) var children: [XMLElement] = []
    /// The text directly inside, trimmed.
    public internal(set) var text = ""

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    /// The children named `name`.
    public func all(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }
    /// The first child named `name`.
    public func first(_ name: String) -> XMLElement? { children.first { $0.name == name } }
    /// The text of the first child named `name`, nil when there is none.
    public func value(_ name: String) -> String? { first(name)?.text }

    /// Parses a UTF-8 document; malformed XML, bytes that are not UTF-8, or XML past `XMLLimits`
    /// is an `.input` error with the line.
    public static func parse(_ data: Data, source: String) throws -> XMLElement {
        guard data.count <= XMLLimits.maxDocumentBytes else {
            throw BoundedFile.tooLarge("\(source)'s XML", size: "\(data.count) bytes", limit: XMLLimits.maxDocumentBytes)
        }
        // FoundationXML traps on a name that is not UTF-8 (`<a\u{DF}/>` ended the process): bytes
        // that are not UTF-8 are refused before the parser sees them.
        guard String(data: data, encoding: .utf8) != nil else {
            throw PrecisError(.input, "\(source) is not UTF-8 text; Precis reads RDML written in UTF-8",
                              hint: "convert it to UTF-8 (iconv -t UTF-8) or export it again")
        }
        if let line = emptyProcessingInstruction(in: data) {
            throw PrecisError(.input, "\(source) has a processing instruction without data (line \(line)), which is not RDML")
        }
        let builder = TreeBuilder(source: source)
        let parser = XMLParser(data: data)
        parser.delegate = builder
        parser.shouldProcessNamespaces = true
        let parsed = parser.parse()
        if let failure = builder.failure { throw failure }
        guard parsed, let root = builder.root else {
            throw PrecisError(.input, "\(source) is not well-formed XML (line \(parser.lineNumber)): "
                              + (parser.parserError?.localizedDescription ?? "no root element"))
        }
        // FoundationXML reports success for a document cut off inside an element: a truncated
        // file must not read as a shorter one.
        guard builder.stack.isEmpty else {
            throw PrecisError(.input, "\(source) is not well-formed XML: it ends inside <\(builder.stack.last!.name)> (cut off?)")
        }
        return root
    }
}

/// What the XML reader takes, so that a hostile document costs bounded memory and stack. RDML
/// as instruments write it is a few MiB, about 50 elements per well and dye, 6 deep; a
/// 384-well plate with four dyes and melt curves stays well inside.
public enum XMLLimits {
    /// The largest document, in bytes (inflated, for a zipped `.rdml`).
    public static let maxDocumentBytes = 64 << 20
    /// The deepest nesting of elements (RDML needs 6; 64 also keeps the tree's recursive
    /// teardown far from the stack's end: 50,000 levels crashed it).
    public static let maxDepth = 64
    /// The most elements in one document.
    public static let maxElements = 2_000_000
    /// The most attributes on one element.
    public static let maxAttributes = 64
    /// The longest text directly inside one element, in bytes.
    public static let maxTextBytes = 1 << 20
}

/// The line of the first `<?name?>`, a processing instruction with no data, nil when there is
/// none. FoundationXML reads such an instruction's data with `strlen(NULL)` and crashes
/// (SIGSEGV; found by make fuzz), so the document is refused before it reaches the parser. One
/// inside a comment or CDATA is refused too (RDML has neither need).
func emptyProcessingInstruction(in data: Data) -> Int? {
    data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Int? in
        var line = 1, i = 0
        while i + 1 < bytes.count {
            if bytes[i] == UInt8(ascii: "\n") { line += 1 }
            if bytes[i] == UInt8(ascii: "<"), bytes[i + 1] == UInt8(ascii: "?") {
                var j = i + 2
                while j < bytes.count, ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"),
                                         UInt8(ascii: "?")].contains(bytes[j]) { j += 1 }
                if j < bytes.count, bytes[j] == UInt8(ascii: "?") { return line }
            }
            i += 1
        }
        return nil
    }
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
    let source: String
    var root: XMLElement?
    var stack: [XMLElement] = []
    var elements = 0
    /// The limit the document broke, when it broke one; parsing stopped there.
    var failure: PrecisError?

    init(source: String) { self.source = source }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements += 1
        if stack.count >= XMLLimits.maxDepth {
            stop(parser, "nests elements deeper than \(XMLLimits.maxDepth) levels (line \(parser.lineNumber))", limit: XMLLimits.maxDepth)
        } else if elements > XMLLimits.maxElements {
            stop(parser, "has more than \(XMLLimits.maxElements) elements", limit: XMLLimits.maxElements)
        } else if attributes.count > XMLLimits.maxAttributes {
            stop(parser, "has an element <\(name.prefix(40))> with \(attributes.count) attributes (line \(parser.lineNumber))", limit: XMLLimits.maxAttributes)
        }
        guard failure == nil else { return }
        let element = XMLElement(name: name, attributes: attributes)
        stack.last?.children.append(element)
        if root == nil { root = element }
        stack.append(element)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard failure == nil, let element = stack.last else { return }
        guard element.text.utf8.count + string.utf8.count <= XMLLimits.maxTextBytes else {
            return stop(parser, "has more than \(XMLLimits.maxTextBytes) bytes of text in one <\(element.name)> (line \(parser.lineNumber))",
                        limit: XMLLimits.maxTextBytes)
        }
        element.text += string
    }

    private func stop(_ parser: XMLParser, _ what: String, limit: Int) {
        guard failure == nil else { return }
        failure = PrecisError(.input, "\(source) \(what); Precis reads at most \(limit)",
                              hint: "this is not RDML as an instrument writes it; check it is the right file")
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if let element = stack.popLast() { element.text = element.text.trimmingCharacters(in: .whitespacesAndNewlines) }
    }
}
