import CZlib

/// A zlib stream (RFC 1950) holding one deflate block of literals under a dynamic Huffman code
/// (RFC 1951 §3.2.7): the kind of stream zlib writes with `Z_HUFFMAN_ONLY`, which any zlib
/// reader inflates, written about twice as fast as zlib writes it (zlib's per-symbol tallies
/// and 16 K-symbol blocks cost more than the coding). BLOW5 records of svb-zd signal are its use: their bytes
/// have almost no repeats for a match search to find.
enum HuffmanZlib {
    /// The longest literal code deflate allows, and the longest code-length code.
    static let maxBits = 15, maxCodeLengthBits = 7
    /// The order in which the code-length code's lengths are sent (RFC 1951 §3.2.7).
    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// Appends `input` as one zlib stream to `out`.
    static func append(_ input: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var frequencies = [Int](repeating: 0, count: 257)
        frequencies.withUnsafeMutableBufferPointer { counts in
            for byte in input { counts[Int(byte)] += 1 }
        }
        frequencies[256] = 1   // end of block
        let lengths = codeLengths(frequencies, limit: maxBits)
        let header = blockHeader(literalLengths: lengths)
        var dataBits = 0
        for s in 0..<257 { dataBits += frequencies[s] * Int(lengths[s]) }
        let total = 2 + (header.bitCount + dataBits + 7) / 8 + 8 + 4
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: total))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int in
            var bits = BitSink(buffer.baseAddress! + start)
            bits.put(0x78, 8)   // deflate, 32 K window
            bits.put(0x01, 8)   // check bits of the header, no dictionary, fastest
            header.write(to: &bits)
            // Each symbol's code in the low 16 bits, its length above.
            let table = zip(canonicalCodes(lengths), lengths).map { $0 | UInt32($1) << 16 }
            table.withUnsafeBufferPointer { table in
                for byte in input {
                    let entry = table[Int(byte)]
                    bits.put(entry & 0xFFFF, UInt8(truncatingIfNeeded: entry >> 16))
                }
                bits.put(table[256] & 0xFFFF, UInt8(truncatingIfNeeded: table[256] >> 16))
            }
            bits.flushToByte()
            let adler = UInt32(adler32(1, input.baseAddress, uInt(input.count)))
            for shift in [24, 16, 8, 0] { bits.put(UInt32((adler >> UInt32(shift)) & 0xFF), 8) }
            return bits.bytesWritten
        }
        out.removeLast(total - written)
    }

    /// The block header: final block, dynamic codes, the literal and distance code lengths
    /// run-length coded under the code-length code.
    static func blockHeader(literalLengths: [UInt8]) -> BlockHeader {
        // No distance is used; two one-bit distance codes keep every reader's code complete (zlib does the same).
        let runs = runLengths(literalLengths + [1, 1])
        var frequencies = [Int](repeating: 0, count: 19)
        for run in runs { frequencies[Int(run.symbol)] += 1 }
        let lengths = codeLengths(frequencies, limit: maxCodeLengthBits)
        var sent = 19
        while sent > 4 && lengths[codeLengthOrder[sent - 1]] == 0 { sent -= 1 }
        var bitCount = 3 + 5 + 5 + 4 + 3 * sent
        for run in runs { bitCount += Int(lengths[Int(run.symbol)]) + Int(run.extraBits) }
        return BlockHeader(runs: runs, lengths: lengths, sent: sent, bitCount: bitCount)
    }

    /// What the header says, ready to write.
    struct BlockHeader {
        var runs: [(symbol: UInt8, extra: UInt32, extraBits: UInt8)]
        var lengths: [UInt8]
        var sent: Int
        var bitCount: Int

        func write(to bits: inout BitSink) {
            bits.put(1, 1)        // the last block
            bits.put(2, 2)        // dynamic Huffman codes
            bits.put(0, 5)        // 257 literal/length codes
            bits.put(1, 5)        // 2 distance codes
            bits.put(UInt32(sent - 4), 4)
            for k in 0..<sent { bits.put(UInt32(lengths[codeLengthOrder[k]]), 3) }
            let codes = canonicalCodes(lengths)
            for run in runs {
                bits.put(codes[Int(run.symbol)], lengths[Int(run.symbol)])
                if run.extraBits > 0 { bits.put(run.extra, run.extraBits) }
            }
        }
    }

    /// Code lengths as symbols 0–18: lengths as they are, 16 repeats the last 3–6 times, 17 and 18
    /// are runs of 3–10 and 11–138 zeros.
    static func runLengths(_ lengths: [UInt8]) -> [(symbol: UInt8, extra: UInt32, extraBits: UInt8)] {
        var runs: [(symbol: UInt8, extra: UInt32, extraBits: UInt8)] = []
        var k = 0
        while k < lengths.count {
            var n = 1
            while k + n < lengths.count && lengths[k + n] == lengths[k] { n += 1 }
            k += n
            if lengths[k - n] == 0 {
                while n >= 11 { let m = min(n, 138); runs.append((18, UInt32(m - 11), 7)); n -= m }
                if n >= 3 { runs.append((17, UInt32(n - 3), 3)); n = 0 }
                while n > 0 { runs.append((0, 0, 0)); n -= 1 }
            } else {
                runs.append((lengths[k - n], 0, 0))
                n -= 1
                while n >= 3 { let m = min(n, 6); runs.append((16, UInt32(m - 3), 2)); n -= m }
                while n > 0 { runs.append((lengths[k - n], 0, 0)); n -= 1 }
            }
        }
        return runs
    }

    /// Huffman code lengths for `frequencies`, none longer than `limit`: at least two symbols get
    /// a code (a reader needs a complete code); while the longest is too long, the counts are
    /// halved (keeping every used symbol) and the code is built again.
    static func codeLengths(_ frequencies: [Int], limit: Int) -> [UInt8] {
        var counts = frequencies
        var used = counts.indices.filter { counts[$0] > 0 }
        for s in counts.indices where used.count < 2 && counts[s] == 0 { counts[s] = 1; used.append(s) }
        while true {
            let depths = huffmanDepths(used.map { counts[$0] })
            if depths.max()! <= limit {
                var lengths = [UInt8](repeating: 0, count: counts.count)
                for (i, s) in used.enumerated() { lengths[s] = UInt8(depths[i]) }
                return lengths
            }
            for s in used { counts[s] = (counts[s] + 1) / 2 }
        }
    }

    /// Each weight's depth in a Huffman tree over the weights (two or more).
    static func huffmanDepths(_ weights: [Int]) -> [Int] {
        // Nodes 0..<n are the leaves; merged nodes follow. Two sorted queues build the tree in order.
        let n = weights.count
        var weight = weights, parent = [Int](repeating: -1, count: 2 * n - 1)
        // By weight, then index: one sort of plain integers (a record has at most 257 symbols, and
        // a weight is at most the record's size, under 2^40).
        let leaves = weights.enumerated().map { UInt64($1) << 20 | UInt64($0) }.sorted().map { Int($0 & 0xFFFFF) }
        var li = 0, merged: [Int] = [], mi = 0
        func smallest() -> Int {
            if li < n && (mi >= merged.count || weight[leaves[li]] <= weight[merged[mi]]) { li += 1; return leaves[li - 1] }
            mi += 1
            return merged[mi - 1]
        }
        for node in n..<(2 * n - 1) {
            let a = smallest(), b = smallest()
            weight.append(weight[a] + weight[b])
            parent[a] = node
            parent[b] = node
            merged.append(node)
        }
        var depth = [Int](repeating: 0, count: 2 * n - 1)
        for node in stride(from: 2 * n - 3, through: 0, by: -1) { depth[node] = depth[parent[node]] + 1 }
        return Array(depth[0..<n])
    }

    /// Canonical codes for `lengths` (RFC 1951 §3.2.2), bit-reversed: deflate sends codes from
    /// their first bit, and `BitSink` fills bytes from the low bit.
    static func canonicalCodes(_ lengths: [UInt8]) -> [UInt32] {
        var perLength = [UInt32](repeating: 0, count: maxBits + 2)
        for l in lengths where l > 0 { perLength[Int(l)] += 1 }
        var next = [UInt32](repeating: 0, count: maxBits + 2)
        var code: UInt32 = 0
        for bits in 1...maxBits + 1 {
            code = (code + perLength[bits - 1]) << 1
            next[bits] = code
        }
        return lengths.map { l in
            guard l > 0 else { return 0 }
            let c = next[Int(l)]
            next[Int(l)] += 1
            var r = c   // all 32 bits reversed by swapping halves, then the code's own bits shifted down
            r = (r >> 1) & 0x5555_5555 | (r & 0x5555_5555) << 1
            r = (r >> 2) & 0x3333_3333 | (r & 0x3333_3333) << 2
            r = (r >> 4) & 0x0F0F_0F0F | (r & 0x0F0F_0F0F) << 4
            r = (r >> 8) & 0x00FF_00FF | (r & 0x00FF_00FF) << 8
            r = r >> 16 | r << 16
            return r >> (32 - UInt32(l))
        }
    }
}

/// Writes bits into memory from each byte's low bit, as deflate packs them (room made beforehand).
struct BitSink {
    let base: UnsafeMutablePointer<UInt8>
    var bytesWritten = 0
    var pending: UInt64 = 0
    var pendingBits = 0

    init(_ base: UnsafeMutablePointer<UInt8>) { self.base = base }

    @inline(__always)
    mutating func put(_ value: UInt32, _ count: UInt8) {
        pending |= UInt64(value) << UInt64(pendingBits)
        pendingBits += Int(count)
        if pendingBits >= 32 {
            UnsafeMutableRawPointer(base + bytesWritten).storeBytes(of: UInt32(truncatingIfNeeded: pending).littleEndian, as: UInt32.self)
            bytesWritten += 4
            pending >>= 32
            pendingBits -= 32
        }
    }

    /// Writes what is pending, the last byte padded with zero bits.
    mutating func flushToByte() {
        while pendingBits > 0 {
            base[bytesWritten] = UInt8(truncatingIfNeeded: pending)
            bytesWritten += 1
            pending >>= 8
            pendingBits -= 8
        }
        pendingBits = 0
        pending = 0
    }
}
