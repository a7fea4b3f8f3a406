import CZlib
@testable import PrecisFormats
import Testing

@Suite struct HuffmanZlibTests {
    /// zlib's own inflate of `stream`, or nil when zlib refuses it.
    func inflated(_ stream: [UInt8], expecting count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: max(count, 1))
        var length = uLongf(out.count)
        let status = uncompress(&out, &length, stream, uLong(stream.count))
        return status == Z_OK ? Array(out[..<Int(length)]) : nil
    }

    func encoded(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0xAA]   // something before, kept as it was
        input.withUnsafeBufferPointer { HuffmanZlib.append($0, to: &out) }
        #expect(out.first == 0xAA)
        return Array(out.dropFirst())
    }

    /// Every stream inflates, through zlib itself, to the bytes coded: empty, one symbol, every
    /// byte value, random bytes, and counts so skewed that an unlimited code would be longer than
    /// deflate's 15 bits.
    @Test func zlibInflatesEveryStreamToTheBytesCoded() {
        var rng = UInt64(12345)
        func random() -> UInt8 { rng = rng &* 6364136223846793005 &+ 1442695040888963407; return UInt8(truncatingIfNeeded: rng >> 56) }
        var doubling: [UInt8] = []   // each symbol twice as often as the one before: unlimited, a code 18 bits deep
        for symbol in 0..<19 { doubling += [UInt8](repeating: UInt8(symbol), count: 1 << symbol) }
        let inputs: [[UInt8]] = [[], [7], [UInt8](repeating: 0, count: 1000), (0..<256).map { UInt8($0) },
                                 (0..<100_000).map { _ in random() }, (0..<70_000).map { _ in random() & 0x0F }, doubling]
        for input in inputs {
            let stream = encoded(input)
            #expect(inflated(stream, expecting: input.count) == input, "\(input.count) bytes")
        }
        var counts = [Int](repeating: 0, count: 257)
        for byte in doubling { counts[Int(byte)] += 1 }
        counts[256] = 1
        #expect(HuffmanZlib.huffmanDepths(counts.filter { $0 > 0 }).max()! > 15)
        #expect(HuffmanZlib.codeLengths(counts, limit: 15).max()! == 15)
    }

    /// The coded stream is about as small as zlib's own Huffman-only stream of the same bytes.
    @Test func itIsAsSmallAsZlibsHuffmanOnlyStream() {
        var rng = UInt64(99)
        let input: [UInt8] = (0..<50_000).map { _ in
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            let r = rng >> 40
            return UInt8(truncatingIfNeeded: r % 7 == 0 ? r >> 8 : r % 23)
        }
        var stream = z_stream()
        deflateInit2_(&stream, 1, Z_DEFLATED, 15, 8, Z_HUFFMAN_ONLY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        var out = [UInt8](repeating: 0, count: 100_000)
        var source = input
        source.withUnsafeMutableBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = i.baseAddress; stream.avail_in = uInt(i.count)
                stream.next_out = o.baseAddress; stream.avail_out = uInt(o.count)
                _ = deflate(&stream, Z_FINISH)
            }
        }
        let zlibSize = Int(stream.total_out)
        deflateEnd(&stream)
        let ours = encoded(input).count
        #expect(Double(ours) <= Double(zlibSize) * 1.01, "ours \(ours), zlib's \(zlibSize)")
    }
}
