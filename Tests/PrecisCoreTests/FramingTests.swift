import PrecisCore
import Testing

@Suite struct COBSTests {
    @Test(arguments: [
        ([0x00], [0x01, 0x01]),
        ([0x00, 0x00], [0x01, 0x01, 0x01]),
        ([0x11, 0x22, 0x00, 0x33], [0x03, 0x11, 0x22, 0x02, 0x33]),
        ([0x11, 0x22, 0x33, 0x44], [0x05, 0x11, 0x22, 0x33, 0x44]),
        ([0x11, 0x00, 0x00, 0x00], [0x02, 0x11, 0x01, 0x01, 0x01]),
    ] as [([UInt8], [UInt8])])
    func encodesPublishedExamples(raw: [UInt8], encoded: [UInt8]) {
        #expect(COBS.encode(raw) == encoded)
        #expect(COBS.decode(encoded[...]) == raw)
    }

    @Test func longRunsWithoutZeroSplitAt254() {
        let raw = (0..<600).map { UInt8($0 % 255 + 1) }
        let encoded = COBS.encode(raw)
        #expect(!encoded.contains(0))
        #expect(encoded[0] == 0xFF)
        #expect(COBS.decode(encoded[...]) == raw)
    }

    @Test func roundTripsPseudoRandomData() {
        var state: UInt64 = 42
        for length in [0, 1, 2, 253, 254, 255, 256, 509, 520] {
            let raw = (0..<length).map { _ -> UInt8 in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: state >> 59) // many zeros
            }
            #expect(COBS.decode(COBS.encode(raw)[...]) == raw, "length \(length)")
        }
    }

    @Test func rejectsMalformedInput() {
        #expect(COBS.decode([0x05, 0x11][...]) == nil)   // code points past the end
        #expect(COBS.decode([0x03, 0x00, 0x11][...]) == nil)  // zero inside
    }
}

@Suite struct CRCTests {
    @Test func checkValueOfCCITTFalse() {
        #expect(CRC16CCITTFalse.checksum(Array("123456789".utf8)) == 0x29B1)
        #expect(CRC16CCITTFalse.checksum([UInt8]()) == 0xFFFF)
    }
}

@Suite struct SplitterTests {
    @Test func splitsOnDelimitersAcrossCalls() {
        var splitter = DelimitedSplitter(maxChunk: 8)
        #expect(splitter.step([1, 2]) == [])
        #expect(splitter.step([3, 0, 0, 4, 0, 5]) == [.chunk([1, 2, 3]), .chunk([4])])
        #expect(splitter.pending == 1)
    }

    @Test func dropsOverlongChunksAndRecovers() {
        var splitter = DelimitedSplitter(maxChunk: 4)
        let out = splitter.step([1, 2, 3, 4, 5, 6, 0, 7, 0])
        #expect(out == [.overflow(discarded: 6), .chunk([7])])
    }
}

@Suite struct BytesTests {
    @Test func readerNamesTheMissingField() {
        var reader = ByteReader([0x01])
        #expect(throws: PrecisError(.protocol, "payload too short for scan_id: needs 2 more byte(s), has 1")) {
            try reader.u16("scan_id")
        }
    }

    @Test func writerAndReaderAgree() throws {
        var w = ByteWriter()
        w.u8(7); w.u16(0xBEEF); w.i16(-2); w.u32(0xDEADBEEF); w.shortString("LOT-1")
        var r = ByteReader(w.bytes)
        #expect(try r.u8("a") == 7)
        #expect(try r.u16("b") == 0xBEEF)
        #expect(try r.i16("c") == -2)
        #expect(try r.u32("d") == 0xDEADBEEF)
        #expect(try r.shortString("e") == "LOT-1")
        try r.expectEnd("payload")
    }

    @Test func hexRoundTrip() {
        #expect([UInt8](hexString: "00ff10Ab") == [0x00, 0xFF, 0x10, 0xAB])
        #expect([UInt8](hexString: "0g") == nil)
        #expect([0x00, 0xFF, 0x10].hexString == "00ff10")
    }

    @Test func calendarDatesParseAndOrder() {
        #expect(CalendarDate(iso: "2028-06-30")! > CalendarDate(iso: "2026-11-22")!)
        #expect(CalendarDate(iso: "2028-02-30") == nil)
        #expect(CalendarDate(iso: "28-06-30") == nil)
        #expect(CalendarDate(iso: "2028-06-30")!.description == "2028-06-30")
    }
}
