import Foundation
import PrecisCore
import PrecisDrivers
import Testing

/// Every `Firmware-Protocols/<family>/device.json` and the registry agree, both ways.
@Suite struct DeviceDescriptionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Firmware-Protocols")

    struct Description: Decodable {
        struct USB: Decodable { let vendorId: String?; let productId: String?; let product: String? }
        struct Model: Decodable { let usb: USB? }
        let family: String
        let usb: USB?
        /// Serial families describe several models; those with published ids are registered.
        let devices: [Model]?

        var identified: [USB] { ([usb] + (devices ?? []).map(\.usb)).compactMap { $0 }.filter { $0.vendorId != nil } }
    }

    static func descriptions() throws -> [Description] {
        let folders = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        return try folders.compactMap { folder in
            let url = root.appendingPathComponent(folder).appendingPathComponent("device.json")
            guard FileManager.default.fileExists(atPath: url.path) else { return nil }
            #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(folder).appendingPathComponent("protocol.md").path))
            let description = try JSONDecoder().decode(Description.self, from: Data(contentsOf: url))
            #expect(description.family == folder)
            return description
        }
    }

    @Test func everyUSBFamilyIsRegisteredWithItsIDs() throws {
        for description in try Self.descriptions() {
            guard let usb = description.identified.first, let vid = usb.vendorId, let pid = usb.productId else { continue }
            let registration = try #require(DriverRegistry.registration(for: DeviceFamily(description.family)),
                                            "\(description.family) is not in DriverRegistry")
            #expect(registration.usbVendorID == UInt16(vid, radix: 16))
            #expect(registration.usbProductID == UInt16(pid, radix: 16))
            #expect(registration.usbProduct == usb.product || usb.product == nil || registration.connection == .usbBulk)
        }
    }

    @Test func everyRegisteredFamilyHasAWireSpec() throws {
        let families = Set(try Self.descriptions().map(\.family))
        for registration in DriverRegistry.families {
            #expect(families.contains(registration.family.name), "\(registration.family) has no Firmware-Protocols folder")
        }
        let ids = DriverRegistry.families.map { "\($0.usbVendorID):\($0.usbProductID)" }
        #expect(Set(ids).count == ids.count, "two families share USB ids")
    }
}
