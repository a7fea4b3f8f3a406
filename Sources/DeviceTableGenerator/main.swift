// Reads every Firmware-Protocols/<family>/device.json and writes the Swift table of device
// descriptions (DeviceDescription, PrecisCore) that PrecisRuntime's family registry is built
// from. Run by the DeviceTablePlugin build-tool plugin on every build that changes a
// device.json: a file that is malformed or says something Precis cannot drive fails the
// build, naming the file and what is wrong.
//
//   DeviceTableGenerator <Firmware-Protocols folder> <output.swift>
import Foundation

/// A device.json that cannot become a description; its text is the build's error message.
struct Problem: Error {
    let file: String
    let message: String
}

/// One identified model, as the generated Swift will spell it.
struct Entry {
    var family: String
    var name: String
    var model: String?
    var vendorID: UInt16
    var productID: UInt16
    var product: String?
    var connection: String
    var baudRate: Int?
    var interface: Int?
    var endpointOut: UInt8?
    var endpointIn: UInt8?
    var endpointStream: UInt8?
    var maxPacketSize: Int?
}

/// Reads one device.json, checking what it says.
struct DeviceFile {
    let path: String
    let folder: String

    func fail(_ message: String) -> Problem { Problem(file: path, message: message) }

    func entries() throws -> [Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot be read") }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data) } catch {
            throw fail("is not valid JSON (\(error.localizedDescription))")
        }
        guard let top = json as? [String: Any] else { throw fail("must hold a JSON object") }
        guard let family = top["family"] as? String, family == folder else {
            throw fail("\"family\" must be \"\(folder)\", the name of its folder")
        }
        guard let name = top["name"] as? String, !name.isEmpty else { throw fail("needs a \"name\" (what the family is, for lists)") }
        guard let transport = top["transport"] as? String, ["usb-bulk", "serial"].contains(transport) else {
            throw fail("\"transport\" must be \"usb-bulk\" or \"serial\"")
        }
        let protocolFile = (path as NSString).deletingLastPathComponent + "/" + ((top["protocol"] as? String) ?? "protocol.md")
        guard FileManager.default.fileExists(atPath: protocolFile) else { throw fail("names a protocol file that is not there: \(protocolFile)") }
        let base = Entry(family: family, name: name, vendorID: 0, productID: 0, connection: transport)
        if let models = top["devices"] {
            guard let models = models as? [[String: Any]], !models.isEmpty else { throw fail("\"devices\" must be a non-empty list of objects") }
            let identified = try models.enumerated().compactMap { try model($1, index: $0, base: base) }
            guard !identified.isEmpty else { throw fail("no model in \"devices\" has USB ids, so nothing could be matched") }
            return identified
        }
        guard let usb = top["usb"] as? [String: Any] else { throw fail("needs a \"usb\" object (or \"devices\", one per model)") }
        guard let entry = try identified(usb, at: "usb", base: base) else { throw fail("usb.vendorId and usb.productId are needed") }
        return [try connection(entry, usb: usb, serial: top["serial"], at: "usb")]
    }

    /// A model of a family with several: nil when its ids are not known (`null`).
    func model(_ model: [String: Any], index: Int, base: Entry) throws -> Entry? {
        let at = "devices[\(index)]"
        guard let name = model["model"] as? String, !name.isEmpty else { throw fail("\(at) needs a \"model\"") }
        guard let usb = model["usb"] as? [String: Any] else { throw fail("\(at) needs a \"usb\" object") }
        var withModel = base
        withModel.model = name
        guard let entry = try identified(usb, at: "\(at).usb", base: withModel) else { return nil }
        return try connection(entry, usb: usb, serial: model["serial"], at: at)
    }

    /// The ids (nil when both are `null`) and product string.
    func identified(_ usb: [String: Any], at: String, base: Entry) throws -> Entry? {
        if usb["vendorId"] is NSNull, usb["productId"] is NSNull { return nil }
        var entry = base
        entry.vendorID = try id(usb["vendorId"], "\(at).vendorId")
        entry.productID = try id(usb["productId"], "\(at).productId")
        if let product = usb["product"] {
            guard let text = product as? String, !text.isEmpty, !text.contains("\"") else {
                throw fail("\(at).product must be a non-empty string without quotes")
            }
            entry.product = text
        }
        return entry
    }

    /// The endpoints of a bulk device, the baud rate of a serial one.
    func connection(_ entry: Entry, usb: [String: Any], serial: Any?, at: String) throws -> Entry {
        var entry = entry
        switch entry.connection {
        case "serial":
            guard let serial = serial as? [String: Any], let baud = serial["baudRate"] as? Int, baud > 0 else {
                throw fail("\(at) is a serial device and needs \"serial\": {\"baudRate\": N} with N > 0")
            }
            entry.baudRate = baud
        default:
            guard let interface = usb["interface"] as? Int, interface >= 0 else { throw fail("\(at).interface must be a whole number ≥ 0") }
            guard let packet = usb["maxPacketSize"] as? Int, packet > 0 else { throw fail("\(at).maxPacketSize must be a whole number > 0") }
            entry.interface = interface
            entry.maxPacketSize = packet
            entry.endpointOut = try endpoint(usb["endpointOut"], "\(at).endpointOut", input: false)
            entry.endpointIn = try endpoint(usb["endpointIn"], "\(at).endpointIn", input: true)
            if let stream = usb["endpointStream"] { entry.endpointStream = try endpoint(stream, "\(at).endpointStream", input: true) }
        }
        return entry
    }

    /// A USB id: four hex digits, as lsusb writes it (`"1209"`).
    func id(_ value: Any?, _ key: String) throws -> UInt16 {
        guard let text = value as? String, text.count == 4, let id = UInt16(text, radix: 16) else {
            throw fail("\(key) must be four hex digits, like \"1209\" (got \(value.map { "\($0)" } ?? "nothing"))")
        }
        return id
    }

    /// An endpoint address: `"0x81"`, direction bit set for IN.
    func endpoint(_ value: Any?, _ key: String, input: Bool) throws -> UInt8 {
        guard let text = value as? String, text.hasPrefix("0x"), let address = UInt8(text.dropFirst(2), radix: 16) else {
            throw fail("\(key) must be an endpoint address like \"0x81\" (got \(value.map { "\($0)" } ?? "nothing"))")
        }
        guard (address & 0x80 != 0) == input, address & 0x70 == 0 else {
            throw fail("\(key) \(text) is not a bulk \(input ? "IN (0x81–0x8f)" : "OUT (0x01–0x0f)") endpoint")
        }
        return address
    }
}

/// The Swift text of the table.
func swiftSource(_ entries: [Entry]) -> String {
    func string(_ s: String?) -> String {
        guard let s else { return "nil" }
        return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
    func hex<T: BinaryInteger>(_ v: T?, _ width: Int) -> String {
        guard let v else { return "nil" }
        let digits = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    func int(_ v: Int?) -> String { v.map(String.init) ?? "nil" }
    let rows = entries.map { e in
        """
                DeviceDescription(family: DeviceFamily(\(string(e.family))), name: \(string(e.name)), model: \(string(e.model)),
                                  vendorID: \(hex(e.vendorID, 4)), productID: \(hex(e.productID, 4)), product: \(string(e.product)),
                                  connection: \(e.connection == "serial" ? ".serial" : ".usbBulk"), baudRate: \(int(e.baudRate)),
                                  interface: \(int(e.interface)), endpointOut: \(hex(e.endpointOut, 2)), endpointIn: \(hex(e.endpointIn, 2)),
                                  endpointStream: \(hex(e.endpointStream, 2)), maxPacketSize: \(int(e.maxPacketSize))),
        """
    }
    return """
        // Generated by DeviceTableGenerator from Firmware-Protocols/*/device.json at build time. Do not edit.
        import PrecisCore

        /// Every instrument model with known USB ids, from `Firmware-Protocols/*/device.json`, by folder.
        enum DeviceDescriptions {
            /// The table, in folder order.
            static let all: [DeviceDescription] = [
        \(rows.joined(separator: "\n"))
            ]
        }

        """
}

func generate(root: String, output: String) throws {
    let folders = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
    var entries: [Entry] = []
    for folder in folders {
        let path = root + "/" + folder + "/device.json"
        guard FileManager.default.fileExists(atPath: path) else { continue }
        for entry in try DeviceFile(path: path, folder: folder).entries() {
            if let other = entries.first(where: {
                $0.vendorID == entry.vendorID && $0.productID == entry.productID && $0.product == entry.product
            }) {
                throw Problem(file: path, message: "its USB ids \(String(entry.vendorID, radix: 16)):\(String(entry.productID, radix: 16)) "
                              + "are \(other.family)'s too; add a \"product\" string to tell them apart")
            }
            entries.append(entry)
        }
    }
    guard !entries.isEmpty else { throw Problem(file: root, message: "holds no <family>/device.json with USB ids") }
    let text = swiftSource(entries)
    // Leave an unchanged file alone, so what depends on it is not rebuilt.
    if FileManager.default.contents(atPath: output) == Data(text.utf8) { return }
    guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
        throw Problem(file: output, message: "cannot be written")
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: DeviceTableGenerator <Firmware-Protocols folder> <output.swift>\n".utf8))
    exit(2)
}
do {
    try generate(root: arguments[1], output: arguments[2])
} catch let problem as Problem {
    // The form compilers use, so the build shows it against the file.
    FileHandle.standardError.write(Data("\(problem.file): error: \(problem.message)\n".utf8))
    exit(1)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
