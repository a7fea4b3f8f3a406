import Foundation
import PrecisCore
import PrecisDrivers
import Testing

/// Hex with spaces and newlines, as the spec prints it.
func hex(_ text: String) -> [UInt8] {
    [UInt8](hexString: text.filter { !$0.isWhitespace })!
}

/// A device's answer, as a simulator or a spectrometer sends it.
func obpAnswer(_ type: OBPMessageType, _ data: [UInt8], version: OBPProtocolVersion = .v1, flags: OBPFlags = .response,
               error: UInt16 = 0, checksum: OBPChecksumType = .none) -> OBPMessage {
    OBPMessage(protocolVersion: version.rawValue, flags: flags, errorCode: error, messageType: type.rawValue, checksumType: checksum, data: data)
}

/// Every output of `bytes`, fed whole and one byte at a time; the two must agree.
func decodeBothWays(_ bytes: [UInt8], versions: Set<OBPProtocolVersion>? = [.v1]) -> [OBPDecoder.Output] {
    var whole = OBPDecoder(versions: versions), drip = OBPDecoder(versions: versions)
    let all = whole.step(bytes)
    let dripped = bytes.flatMap { drip.step([$0]) }
    #expect(all == dripped, "fed whole and byte by byte, the decoder disagrees")
    #expect(whole.buffered == drip.buffered)
    return all
}

@Suite struct OBPCodecTests {
    /// obp protocol.md §2.2, computed by hand from the header table.
    static let getSerialGolden = hex("""
        c1 c0 00 11 00 00 00 00  00 01 00 00 00 00 00 00
        00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00
        00 00 00 00 00 00 00 00  14 00 00 00 00 00 00 00
        00 00 00 00 00 00 00 00  00 00 00 00 c5 c4 c3 c2
        """)
    /// obp protocol.md §2.2: SET_INTEGRATION_TIME 100 000 µs, ACK requested.
    static let setIntegrationGolden = hex("""
        c1 c0 00 11 04 00 00 00  10 00 11 00 00 00 00 00
        00 00 00 00 00 00 00 04  a0 86 01 00 00 00 00 00
        00 00 00 00 00 00 00 00  14 00 00 00 00 00 00 00
        00 00 00 00 00 00 00 00  00 00 00 00 c5 c4 c3 c2
        """)

    /// The host's mean of scans keeps a pixel that clipped in any scan at the maximum, so the
    /// saturation is still seen; the others are rounded means.
    @Test func aMeanOfScansKeepsAPixelThatClippedOnceSaturated() {
        let scans = [[100, 65535, 40_000], [103, 60_000, 40_001], [106, 61_000, 40_003]].map {
            OBPSpectrum(counts: $0.map(UInt32.init), maxCount: 65535, integrationMicroseconds: 1000, scansAveraged: 1)
        }
        let mean = OBPSpectrum.mean(of: scans)
        #expect(mean.counts == [103, 65535, 40_001])
        #expect(mean.scansAveraged == 3)
        #expect(mean.saturatedPixels == [1])
        #expect(OBPSpectrum.mean(of: [scans[1]]) == scans[1])
    }

    @Test func requestsEncodeToTheSpecsWorkedExamples() {
        #expect(OBPMessage.request(.getSerialNumber, version: .v1).encoded() == Self.getSerialGolden)
        #expect(OBPMessage.request(.setIntegrationTime, data: [0xA0, 0x86, 0x01, 0x00], version: .v1).encoded()
                == Self.setIntegrationGolden)
        // The 0x2000 generation differs in the version bytes (and its own codes) only.
        var v2 = Self.getSerialGolden
        v2[2] = 0x00; v2[3] = 0x20
        #expect(OBPMessage.request(.getSerialNumber, version: .v2).encoded() == v2)
    }

    @Test func theWorkedExamplesDecodeWholeAndByteByByte() {
        let outputs = decodeBothWays(Self.getSerialGolden + Self.setIntegrationGolden)
        #expect(outputs == [
            .message(OBPMessage(protocolVersion: 0x1100, messageType: 0x100)),
            .message(OBPMessage(protocolVersion: 0x1100, flags: .ackRequested, messageType: 0x0011_0010, data: [0xA0, 0x86, 0x01, 0x00])),
        ])
    }

    /// A spectrum answer (payload, MD5) by hand: header, 2048 payload bytes, digest, footer.
    @Test func aPayloadAnswerWithMD5DecodesToItsFieldsAndData() {
        let payload = (0..<2048).map { UInt8($0 % 251) }
        var header = hex("c1 c0 00 11 01 00 00 00 00 11 10 00 07 00 00 00 00 00 00 00 00 00 01 00")
        header += [UInt8](repeating: 0, count: 16)
        header += [0x14, 0x08, 0x00, 0x00]   // 2048 + 20 = 0x0814
        let body = header + payload
        let bytes = body + MD5.digest(body) + [0xC5, 0xC4, 0xC3, 0xC2]
        #expect(bytes == obpAnswer(.getRawSpectrumNow, payload, checksum: .md5).withRegarding(7).encoded())
        let outputs = decodeBothWays(bytes)
        guard case .message(let message)? = outputs.first, outputs.count == 1 else { Issue.record("\(outputs)"); return }
        #expect(message.flags == .response && message.regarding == 7 && message.checksumType == .md5)
        #expect(message.messageType == OBPMessageType.getRawSpectrumNow.rawValue && message.data == payload)
    }

    @Test func everyMessageRoundTripsWithEitherChecksum() {
        let samples: [[UInt8]] = [[], [0x0A], Array(0..<16), Array(0..<17), (0..<7328).map { UInt8($0 & 0xFF) }]
        for type in OBPMessageType.allCases {
            for data in samples {
                for checksum in [OBPChecksumType.none, .md5] {
                    let message = obpAnswer(type, data, version: type.versions[0], checksum: checksum)
                    var decoder = OBPDecoder(versions: Set(type.versions))
                    #expect(decoder.step(message.encoded()) == [.message(message)], "\(type) \(data.count) bytes")
                }
            }
        }
    }

    @Test func md5MatchesRFC1321sTestSuite() {
        let suite: [(String, String)] = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            ("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for (text, digest) in suite { #expect(MD5.digest(Array(text.utf8)).hexString == digest, "\(text)") }
    }

    /// Each refusal of obp protocol.md §11, and the good message after it still decodes.
    @Test(arguments: OBPCodecTests.damaged())
    func eachDamageIsRefusedNamingItAndTheNextMessageStillDecodes(_ damage: Damage) {
        let good = obpAnswer(.getSerialNumberLength, [0x0A]).encoded()
        let outputs = decodeBothWays(damage.bytes + good)
        #expect(outputs.first == .rejected(damage.expected), "\(damage.name): \(outputs)")
        #expect(outputs.last == .message(obpAnswer(.getSerialNumberLength, [0x0A])), "\(damage.name): \(outputs)")
    }

    struct Damage: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let expected: OBPRejection
        var testDescription: String { name }
    }

    static func damaged() -> [Damage] {
        let base = obpAnswer(.getWavelengthCoefficient, [0, 0, 0x80, 0x3F], checksum: .md5).encoded()
        let type = OBPMessageType.getWavelengthCoefficient.rawValue
        func with(_ edit: (inout [UInt8]) -> Void) -> [UInt8] { var b = base; edit(&b); return b }
        let payload = obpAnswer(.getRawSpectrumNow, Array(repeating: 7, count: 40)).encoded()
        return [
            Damage(name: "garbage", bytes: [0x00, 0xC1, 0x55, 0xC0], expected: .garbage(count: 4)),
            Damage(name: "version", bytes: with { $0[3] = 0x20 }, expected: .version(0x2000)),
            Damage(name: "checksum type", bytes: with { $0[22] = 2 }, expected: .checksumType(2)),
            Damage(name: "immediate length", bytes: with { $0[23] = 17 }, expected: .immediateLength(17)),
            Damage(name: "too short", bytes: with { $0[40] = 19 }, expected: .length(19)),
            Damage(name: "too long", bytes: with { $0[40...43] = [0x15, 0x40, 0, 0] }, expected: .length(16_405)),
            Damage(name: "footer", bytes: with { $0[63] = 0xC3 }, expected: .footer(messageType: type)),
            Damage(name: "checksum", bytes: with { $0[24] ^= 1 }, expected: .checksum(messageType: type)),
            Damage(name: "immediate and payload",
                   bytes: { var b = payload; b[23] = 2; return b }(), expected: .immediateAndPayload(messageType: OBPMessageType.getRawSpectrumNow.rawValue)),
        ]
    }

    @Test func aDecoderForAnyVersionTakesBothGenerations() {
        let v1 = obpAnswer(.getSerialNumber, Array("A".utf8)), v2 = obpAnswer(.getSerialNumber, Array("B".utf8), version: .v2)
        #expect(decodeBothWays(v1.encoded() + v2.encoded(), versions: nil) == [.message(v1), .message(v2)])
        #expect(decodeBothWays(v1.encoded() + v2.encoded(), versions: [.v2]).last == .message(v2))
    }

    @Test func aPartialMessageWaitsAndGarbageIsReportedOnlyOnceAStartIsFound() {
        var decoder = OBPDecoder(versions: [.v1])
        let good = obpAnswer(.getSerialNumberLength, [4]).encoded()
        #expect(decoder.step([0x01, 0x02, 0x03] + good.prefix(30)).isEmpty == false)   // the garbage, then waiting
        #expect(decoder.buffered == 30)
        #expect(decoder.step(good.dropFirst(30)) == [.message(obpAnswer(.getSerialNumberLength, [4]))])
        #expect(decoder.buffered == 0)
    }

    @Test func errorCodesMapOntoTheSharedKinds() {
        let kinds: [UInt16: ErrorKind] = [1: .protocol, 2: .protocol, 3: .protocol, 5: .protocol, 6: .protocol, 7: .busy, 9: .deviceFault,
                                          10: .busy, 11: .deviceFault, 12: .calibration, 13: .deviceFault, 101: .deviceFault, 42: .deviceFault]
        for (code, kind) in kinds {
            let error = OBPProtocol.error(code: code, exception: false, during: "GET_WL_COEFF")
            #expect(error.kind == kind, "code \(code)")
            #expect(error.message.contains("GET_WL_COEFF") && error.message.contains("\(code)"))
        }
        #expect(OBPProtocol.error(code: 6, exception: true, during: "X").kind == .deviceFault)
        #expect(OBPProtocol.errorCodes[OBPProtocol.deferredCode] == nil)
    }

    @Test func answersAreReadAsTheSpecSays() throws {
        #expect(try obpAnswer(.getSerialNumber, Array("STS04711".utf8) + [0, 0, 0]).ascii("serial") == "STS04711")
        #expect(try obpAnswer(.getSerialNumber, Array("ST00042  ".utf8)).ascii("serial") == "ST00042")
        #expect(throws: PrecisError.self) { try obpAnswer(.getSerialNumber, [0, 0]).ascii("serial") }
        #expect(throws: PrecisError.self) { try obpAnswer(.getSerialNumber, [0x41, 0x07]).ascii("serial") }
        #expect(try obpAnswer(.getWavelengthCoefficient, [0, 0, 0x80, 0x3F]).f32("c") == 1.0)
        #expect(try obpAnswer(.getWavelengthCoefficients2, [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]).f32s("c") == [1, 2])
        #expect { try obpAnswer(.getWavelengthCoefficients2, [1, 2, 3]).f32s("c") } throws: { error in
            (error as? PrecisError)?.message.contains("not a whole number of 4-byte floats") == true
        }
        #expect { try obpAnswer(.getFirmwareRevision, [1]).u16("rev") } throws: { error in
            (error as? PrecisError)?.message == "rev holds 1 byte(s), the spec says 2"
        }
    }
}

extension OBPMessage {
    func withRegarding(_ regarding: UInt32) -> OBPMessage {
        var copy = self
        copy.regarding = regarding
        return copy
    }
}

@Suite struct OBPModelTests {
    /// device.json as this test reads it.
    struct File: Decodable {
        struct Model: Decodable {
            struct USB: Decodable { let vendorId: String; let productId: String }
            let model: String, protocolVersion: String, pixels: Int, spectrumFormat: String, usb: USB
        }
        let devices: [Model]
    }

    @Test func everyDeviceJSONModelIsInTheTableWithTheSameShape() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Firmware-Protocols/obp/device.json")
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        #expect(Set(file.devices.map(\.model)) == Set(OBPModel.all.map(\.name)) && file.devices.count == OBPModel.all.count)
        for entry in file.devices {
            let model = try #require(OBPModel.named(entry.model))
            #expect(entry.protocolVersion == model.version.description)
            #expect(entry.pixels == model.pixels && entry.spectrumFormat == model.spectrumFormat.rawValue, "\(entry.model)")
            #expect(entry.usb.vendorId == (model.version == .v1 ? "2457" : "0999"), "\(entry.model)")
        }
    }

    @Test func integrationTimesOutsideTheLimitsOrBetweenStepsAreRefused() throws {
        #expect(try OBPModel.sts.integrationWireValue(microseconds: 10) == 10)
        #expect(try OBPModel.sts.integrationWireValue(microseconds: 85_000_000) == 85_000_000)
        #expect(try OBPModel.oceanST.integrationWireValue(microseconds: 1_560) == 156)
        #expect { try OBPModel.sts.integrationWireValue(microseconds: 9) } throws: { error in
            (error as? PrecisError)?.kind == .input && (error as? PrecisError)?.message == "the STS integrates for 10–85000000 µs, not 9 µs"
        }
        #expect(throws: PrecisError.self) { try OBPModel.qePro.integrationWireValue(microseconds: 1_600_000_001) }
        #expect { try OBPModel.oceanST.integrationWireValue(microseconds: 1_565) } throws: { error in
            (error as? PrecisError)?.message.contains("steps of 10 µs") == true
        }
    }

    @Test func spectraReadInEachFormatAndAWrongLengthIsNamed() throws {
        let sts = try OBPSpectrum(reply: (0..<1024).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }, model: .sts,
                                  integrationMicroseconds: 1000, scansAveraged: 1)
        #expect(sts.counts == (0..<1024).map(UInt32.init) && sts.metadata.isEmpty)
        let meta = (0..<32).map(UInt8.init)
        var qe = ByteWriter()
        qe.raw(meta)
        for p in 0..<1044 { qe.u32(UInt32(p) * 250) }
        let qePro = try OBPSpectrum(reply: qe.bytes, model: .qePro, integrationMicroseconds: 8000, scansAveraged: 2)
        #expect(qePro.counts.last == 1043 * 250 && qePro.metadata == meta && qePro.scansAveraged == 2)
        #expect(qePro.electricDark == Double([0, 1, 2, 3, 1040, 1041, 1042, 1043].reduce(0, +) * 250) / 8)
        #expect(qePro.replyData(format: .u32WithMetadata) == qe.bytes)
        #expect { try OBPSpectrum(reply: [UInt8](repeating: 0, count: 3032), model: .oceanST, integrationMicroseconds: 1560, scansAveraged: 1) }
            throws: { error in
                (error as? PrecisError)?.message == "the Ocean ST's spectrum holds 3032 bytes; 1516 pixels in format u16+meta are 3064"
            }
    }

    @Test func saturationIsThePixelsAtTheMaxCount() {
        let spectrum = OBPSpectrum(counts: [10, 16_383, 500, 16_383], maxCount: 16_383, integrationMicroseconds: 10, scansAveraged: 1)
        #expect(spectrum.isSaturated && spectrum.saturatedPixels == [1, 3])
        #expect(spectrum.peak.count == 16_383 && spectrum.peak.fractionOfMax == 1)
        #expect(spectrum.electricDark == nil)
        #expect(!OBPSpectrum(counts: [16_382], maxCount: 16_383, integrationMicroseconds: 10, scansAveraged: 1).isSaturated)
    }

    @Test func wavelengthsAreThePolynomialOfThePixel() {
        let calibration = OBPWavelengthCalibration(coefficients: [340, 0.5, -1e-5, 2e-9])
        #expect(calibration.wavelength(ofPixel: 0) == 340)
        #expect(calibration.wavelength(ofPixel: 1000) == 340 + 0.5 * 1000 - 1e-5 * 1_000_000 + 2e-9 * 1e9)
        #expect(calibration.wavelengths(pixels: 3).count == 3)
    }
}
