import PrecisCore

/// slow5lib's `svb-zd` signal compression: each sample minus the one before (the first minus
/// zero), zig-zag mapped to unsigned, then StreamVByte: a little-endian u32 count, one control
/// byte per four values (two bits each, low bits first: the value's byte count minus one),
/// then each value's low bytes.
enum StreamVByte {
    /// Decodes `bytes` into samples; throws when the counts and the bytes disagree.
    static func decodeZigZagDelta(_ bytes: [UInt8], name: String) throws -> [Int16] {
        guard bytes.count >= 4 else { throw PrecisError(.input, "\(name): svb-zd signal shorter than its count") }
        let count = Int(UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
        let controlBytes = (count + 3) / 4
        // Every value takes a control quarter-byte and at least one data byte: a count the bytes
        // cannot hold is refused before anything is allocated for it.
        guard 4 + controlBytes + count <= bytes.count else { throw PrecisError(.input, "\(name): svb-zd signal truncated") }
        var data = 4 + controlBytes
        var previous: Int32 = 0
        var out = [Int16]()
        out.reserveCapacity(count)
        for i in 0..<count {
            let width = Int((bytes[4 + i / 4] >> (2 * UInt8(i % 4))) & 3) + 1
            guard data + width <= bytes.count else { throw PrecisError(.input, "\(name): svb-zd signal truncated") }
            var value: UInt32 = 0
            for b in 0..<width { value |= UInt32(bytes[data + b]) << (8 * b) }
            data += width
            let delta = Int32(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
            previous = previous &+ delta
            guard let sample = Int16(exactly: previous) else { throw PrecisError(.input, "\(name): svb-zd sample out of int16 range") }
            out.append(sample)
        }
        guard data == bytes.count else { throw PrecisError(.input, "\(name): \(bytes.count - data) bytes after the svb-zd signal") }
        return out
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
