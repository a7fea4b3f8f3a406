import PrecisCore

/// slow5lib's `svb-zd` signal compression: each sample minus the one before (the first minus
/// zero), zig-zag mapped to unsigned, then StreamVByte: a little-endian u32 count, one control
/// byte per four values (two bits each, low bits first: the value's byte count minus one),
/// then each value's low bytes.
enum StreamVByte {
    /// Decodes `bytes` into samples; throws when the counts and the bytes disagree.
    static func decodeZigZagDelta(_ bytes: [UInt8], name: String) throws -> [Int16] {
        var out: [Int16] = []
        try bytes.withUnsafeBytes { try decodeZigZagDelta($0, into: &out, name: name) }
        return out
    }

    /// Decodes `bytes` into `out` (made as long as the signal, its storage kept).
    static func decodeZigZagDelta(_ bytes: UnsafeRawBufferPointer, into out: inout [Int16], name: String) throws {
        guard bytes.count >= 4 else { throw PrecisError(.input, "\(name): svb-zd signal shorter than its count") }
        let count = Int(UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self)))
        let controlBytes = (count + 3) / 4
        // Every value takes a control quarter-byte and at least one data byte: a count the bytes
        // cannot hold is refused before anything is allocated for it.
        guard 4 + controlBytes + count <= bytes.count else { throw PrecisError(.input, "\(name): svb-zd signal truncated") }
        SLOW5Reader.resize(&out, to: count)
        let end = try out.withUnsafeMutableBufferPointer { samples in
            try decode(bytes, count: count, into: samples, name: name)
        }
        guard end == bytes.count else { throw PrecisError(.input, "\(name): \(bytes.count - end) bytes after the svb-zd signal") }
    }

    /// The `count` values after the count and control bytes, undone into samples; returns where they end.
    private static func decode(_ bytes: UnsafeRawBufferPointer, count: Int, into samples: UnsafeMutableBufferPointer<Int16>,
                               name: String) throws -> Int {
        let b = bytes.bindMemory(to: UInt8.self)
        var data = 4 + (count + 3) / 4
        var previous: Int32 = 0
        for i in 0..<count {
            let width = Int((b[4 + i >> 2] >> (2 * UInt8(i & 3))) & 3) + 1
            guard data + width <= b.count else { throw PrecisError(.input, "\(name): svb-zd signal truncated") }
            var value = UInt32(b[data])
            if width > 1 { value |= UInt32(b[data + 1]) << 8 }
            if width > 2 { value |= UInt32(b[data + 2]) << 16 }
            if width > 3 { value |= UInt32(b[data + 3]) << 24 }
            data += width
            previous = previous &+ Int32(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
            guard let sample = Int16(exactly: previous) else { throw PrecisError(.input, "\(name): svb-zd sample out of int16 range") }
            samples[i] = sample
        }
        return data
    }

    /// Encodes samples as `decodeZigZagDelta` reads them.
    static func encodeZigZagDelta(_ samples: [Int16]) -> [UInt8] {
        let count = samples.count, controls = (count + 3) / 4
        // Deltas of int16 samples zig-zag to at most 17 bits: three bytes each at worst.
        return [UInt8](unsafeUninitializedCapacity: 4 + controls + 3 * count) { out, written in
            let o = out.baseAddress!
            for b in 0..<4 { o[b] = UInt8(truncatingIfNeeded: UInt32(count) >> (8 * b)) }
            (o + 4).initialize(repeating: 0, count: controls)
            var data = 4 + controls
            var previous: Int32 = 0
            samples.withUnsafeBufferPointer { samples in
                for i in 0..<count {
                    let delta = Int32(samples[i]) &- previous
                    previous = Int32(samples[i])
                    let value = UInt32(bitPattern: (delta << 1) ^ (delta >> 31))
                    let width = value < 1 << 8 ? 1 : value < 1 << 16 ? 2 : 3
                    o[4 + (i >> 2)] |= UInt8(width - 1) << (2 * UInt8(i & 3))
                    o[data] = UInt8(truncatingIfNeeded: value)
                    o[data + 1] = UInt8(truncatingIfNeeded: value >> 8)
                    o[data + 2] = UInt8(truncatingIfNeeded: value >> 16)
                    data += width
                }
            }
            written = data
        }
    }
}
