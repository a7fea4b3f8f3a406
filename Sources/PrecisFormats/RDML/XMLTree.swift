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

    /// Parses a document; malformed XML is an `.input` error with the line.
    public static func parse(_ data: Data, source: String) throws -> XMLElement {
        let builder = TreeBuilder()
        let parser = XMLParser(data: data)
        parser.delegate = builder
        parser.shouldProcessNamespaces = true
        guard parser.parse(), let root = builder.root else {
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

private final class TreeBuilder: NSObject, XMLParserDelegate {
    var root: XMLElement?
    var stack: [XMLElement] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let element = XMLElement(name: name, attributes: attributes)
        stack.last?.children.append(element)
        if root == nil { root = element }
        stack.append(element)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if let element = stack.popLast() { element.text = element.text.trimmingCharacters(in: .whitespacesAndNewlines) }
    }
}
