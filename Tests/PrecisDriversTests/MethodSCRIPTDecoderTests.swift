import PrecisCore
import PrecisDrivers
import Testing

/// The LSV stream the vendor's READMEs quote (10 kΩ dummy cell), with the closing empty line.
let lsvStream = "e\nM0000\nPda7F85F3Fu;ba48D503Dp,10,288\nPda7F9234Bu;ba4E2C324p,10,288\nPda806EC24u;baAE16C6Dp,10,288\nPda807B031u;baB360495p,10,288\n*\n\n"

private func decodeWhole(_ text: String) throws -> [MethodSCRIPTMessage] {
    var decoder = MethodSCRIPTDecoder()
    return try decoder.step(Array(text.utf8))
}

private func decodeByteByByte(_ text: String) throws -> [MethodSCRIPTMessage] {
    var decoder = MethodSCRIPTDecoder(), out: [MethodSCRIPTMessage] = []
    for byte in text.utf8 { out += try decoder.step([byte]) }
    try decoder.finish()
    return out
}

private func packages(_ messages: [MethodSCRIPTMessage]) -> [MethodSCRIPTPackage] {
    messages.compactMap { if case .package(let p) = $0 { p } else { nil } }
}

@Test func lsvStreamDecodesTheSameWholeAndByteByByte() throws {
    let whole = try decodeWhole(lsvStream)
    #expect(whole == (try decodeByteByByte(lsvStream)))
    #expect(whole.count == 8)
    #expect(whole.first == .scriptStarted)
    #expect(whole[1] == .loopStarted(.measurement, code: "0000"))
    #expect(whole[6] == .loopEnded(.measurement))
    #expect(whole[7] == .endOfScript)
    let first = try #require(packages(whole).first)
    #expect(first["da"]?.rawValue == -499905)
    #expect(first["da"]?.value == -499905 * 1e-6)
    #expect(first["ba"]?.value == -57847747 * 1e-12)
    #expect(first["ba"]?.status == [])
    #expect(first["ba"]?.rangeCode == 0x88)
    #expect(first["ba"]?.currentRange(on: .emStatPico)?.label == "1 mA (High speed)")
}

@Test func chunkingDoesNotMatterForAnySplit() throws {
    let reference = try decodeWhole(lsvStream)
    let bytes = Array(lsvStream.utf8)
    for cut in 1..<bytes.count {
        var decoder = MethodSCRIPTDecoder()
        let out = try decoder.step(Array(bytes[..<cut])) + decoder.step(Array(bytes[cut...]))
        #expect(out == reference, "split at \(cut)")
    }
}

@Test func metadataGivesStatusFlagsAndPicoRange() throws {
    let package = try MethodSCRIPTDecoder.parsePackage("Pda84E63DAn;ba82AB973f,14,284")
    let current = try #require(package["ba"])
    #expect(current.status == .underload)
    #expect(current.status?.description == "UNDERLOAD")
    let range = try #require(current.currentRange(on: .emStatPico))
    #expect(range.code == 132 && range.highSpeed && range.fullScale == 25e-6)
    #expect(range.label == "25 uA (High speed)")
    #expect(package["da"]?.status == nil && package["da"]?.rangeCode == nil)
    #expect(MethodSCRIPTStatus(rawValue: 0xA).description == "OVERLOAD | OVERLOAD_WARNING")
}

@Test func nanValuesAndOtherMetadataDecode() throws {
    let package = try MethodSCRIPTDecoder.parsePackage("Pja     nan;ba8000010i,10,40A3")
    #expect(package["ja"]?.value.isNaN == true)
    #expect(package["ja"]?.rawValue == nil)
    #expect(package["ba"]?.value == 16)
    #expect(package["ba"]?.otherMetadata == ["40A3"])
}

@Test(arguments: [
    ("Pda7F85F3Fu;ba48D50\n", "variable 2"),            // cut in the middle of a value
    ("Pda7F85F3Fu;ba48D503D\n", "variable 2"),          // prefix missing
    ("Pda7F85G3Fu\n", "not 7 hex digits"),
    ("Pda7F85F3Fx\n", "unknown SI prefix"),
    ("Pda7F85F3Fu;\n", "variable 2"),
    ("PDA7F85F3Fu\n", "two-letter"),
    ("Pba48D503Dp,1\n", "status field"),
    ("Pba48D503Dp,10,28\n", "range field"),
    ("Pba48D503Dp,,10\n", "empty metadata"),
    ("Pba48D503Dpq\n", "after the SI prefix"),
    ("P\n", "no variables"),
])
func corruptPackagesThrowProtocolErrorsNamingTheLine(line: String, reason: String) throws {
    var decoder = MethodSCRIPTDecoder()
    let error = #expect(throws: PrecisError.self) { try decoder.step(Array(line.utf8)) }
    #expect(error?.kind == .protocol)
    #expect(error?.message.contains(String(line.dropLast().prefix(10))) == true)
    #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
}

@Test func decoderCarriesOnAfterACorruptLineAndKeepsEarlierMessages() throws {
    var decoder = MethodSCRIPTDecoder(), seen: [MethodSCRIPTMessage] = []
    let text = "e\nPda7F85\nPda7F85F3Fu\n"
    #expect(throws: PrecisError.self) { try decoder.step(Array(text.utf8)) { seen.append($0) } }
    #expect(seen == [.scriptStarted])
    let rest = try decoder.step([])
    #expect(packages(rest).first?["da"]?.rawValue == -499905)
}

@Test func streamEndingInsideALineIsATruncationError() throws {
    var decoder = MethodSCRIPTDecoder()
    _ = try decoder.step(Array("e\nPda7F85F3Fu;ba48D5".utf8))
    let error = #expect(throws: PrecisError.self) { try decoder.finish() }
    #expect(error?.kind == .protocol)
    #expect(error?.message.contains("Pda7F85F3Fu;ba48D5") == true)
}

@Test func garbageAndOverlongLinesAreProtocolErrors() throws {
    var decoder = MethodSCRIPTDecoder()
    #expect(throws: PrecisError.self) { try decoder.step([0x50, 0xFF, 0x0A]) }
    var long = MethodSCRIPTDecoder()
    let error = #expect(throws: PrecisError.self) {
        try long.step(Array(repeating: UInt8(ascii: "P"), count: MethodSCRIPTDecoder.maxLineLength + 1))
    }
    #expect(error?.kind == .protocol)
    #expect(throws: PrecisError.self) { try MethodSCRIPTDecoder.classify("*x") }
}

@Test func errorLinesGiveCodeAndPlace() throws {
    guard case .deviceError(let error) = try MethodSCRIPTDecoder.classify("!4001: Line 3, Col 16") else {
        Issue.record("not an error"); return
    }
    #expect(error.code == 0x4001 && error.line == 3 && error.column == 16)
    #expect(error.description.contains("unknown script command"))
    guard case .deviceError(let idle) = try MethodSCRIPTDecoder.classify("Z!0006") else {
        Issue.record("not an error"); return
    }
    #expect(idle.code == 6 && idle.line == nil)
    #expect(try MethodSCRIPTDecoder.classify("THello world!") == .text("Hello world!"))
    #expect(try MethodSCRIPTDecoder.classify("C0001") == .loopStarted(.scan, code: "0001"))
    #expect(try MethodSCRIPTDecoder.classify("L") == .loopStarted(.loop, code: ""))
    #expect(try MethodSCRIPTDecoder.classify("tespico1206#Jan") == .reply("tespico1206#Jan"))
    #expect(throws: PrecisError.self) { try MethodSCRIPTDecoder.classify("M00") }
    #expect(throws: PrecisError.self) { try MethodSCRIPTDecoder.classify("!40") }
}

@Test func encoderUsesTheFinestPrefixThatFitsAndRoundTrips() throws {
    #expect(MethodSCRIPTPackageEncoder.variable("da", -0.499905) == "da7F85F3Fu")
    #expect(MethodSCRIPTPackageEncoder.variable("ba", -5.7847747e-05, status: [], rangeCode: 0x88) == "ba48D503Dp,10,288")
    #expect(MethodSCRIPTPackageEncoder.variable("da", 0.00513737) == "da84E63DAn")
    var state: UInt64 = 7
    for _ in 0..<2000 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let magnitude = Double(state >> 11) / Double(1 << 53)
        let exponent = Double(Int(state % 30)) - 20
        let value = (state & 1 == 0 ? 1 : -1) * magnitude * pow10(exponent)
        let line = MethodSCRIPTPackageEncoder.package([MethodSCRIPTPackageEncoder.variable("ba", value)])
        let decoded = try #require(packages(try decodeWhole(line)).first?["ba"])
        // Within half a unit of the chosen prefix, and the next finer prefix would overflow 27 bits.
        let unit = try #require(MethodSCRIPTTables.siPrefixes[UInt8(ascii: decoded.prefix.unicodeScalars.first!)])
        #expect(abs(decoded.value - value) <= 0.5000001 * unit, "\(value) → \(line)")
        if decoded.prefix != "a" {
            #expect((abs(value) / (unit / 1000)).rounded() > Double(MethodSCRIPTPackageEncoder.maxRaw), "\(line)")
        }
    }
}

private func pow10(_ e: Double) -> Double {
    var result = 1.0
    for _ in 0..<Int(abs(e)) { result *= 10 }
    return e < 0 ? 1 / result : result
}

@Test func fuzzedStreamsNeverCrashAndFailOnlyWithProtocolErrors() throws {
    let base = Array(lsvStream.utf8)
    var state: UInt64 = 42
    func next() -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int(state >> 33)
    }
    let alphabet = Array("P;,0123456789ABCDEFabcdefupnm \n*-+!eMCLTZ".utf8) + [0x00, 0xFF, 0x0D]
    for _ in 0..<3000 {
        var bytes = base
        for _ in 0..<(1 + next() % 4) {
            let at = next() % bytes.count
            switch next() % 3 {
            case 0: bytes[at] = alphabet[next() % alphabet.count]
            case 1: bytes.remove(at: at)
            default: bytes.insert(alphabet[next() % alphabet.count], at: at)
            }
        }
        var decoder = MethodSCRIPTDecoder()
        for byte in bytes {
            do { _ = try decoder.step([byte]) } catch let error as PrecisError {
                #expect(error.kind == .protocol)
            }
        }
    }
}
