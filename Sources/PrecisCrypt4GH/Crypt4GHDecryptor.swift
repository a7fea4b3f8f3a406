import Foundation

/// Crypt4GH decryption as an incremental state machine: feed it the encrypted file in pieces
/// of any size; it reads the header (refusing a wrong magic or version at once), opens the
/// packets sealed to our key, then appends each segment's plain bytes to your buffer as soon
/// as the segment is whole and its tag verifies. `finish` opens the last, shorter segment.
/// It holds at most the header's packets (`Crypt4GHLimits`) and one segment. After an error
/// it is spent: start again with a new one.
///
/// ```
/// update(magic ‖ version ‖ count ‖ packets…)  -> nothing (the data keys are kept)
/// update(nonce ‖ sealed segment ‖ tag …)      -> plain segment …   or segmentAuthentication
/// finish()                                    -> the last plain bytes, or truncatedSegment/Header
/// ```
public struct Crypt4GHDecryptor: ~Copyable {
    private enum Stage { case prelude, packetLength, packetBody, segments }
    private let key: Crypt4GHSecretKey
    private var stage = Stage.prelude
    private var need = 16
    private var buffer: [UInt8] = []
    private var remainingPackets: UInt32 = 0
    private var packets: [[UInt8]] = []
    private var dataKeys: [[UInt8]] = []
    private var segment = 0

    /// A decryptor that opens the header packets sealed to `key`.
    public init(key: Crypt4GHSecretKey) { self.key = key }

    deinit { for key in dataKeys { Sodium.wipeStorage(key) } }

    /// Decrypts `cipher`, appending to `output` every plain segment that is now whole.
    public mutating func update(_ cipher: some ContiguousBytes, into output: inout [UInt8]) throws(Crypt4GHError) {
        try typed { try cipher.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            var rest = input[...]
            while stage != .segments, !rest.isEmpty {
                let take = min(rest.count, need - buffer.count)
                buffer.append(contentsOf: rest.prefix(take))
                rest = rest.dropFirst(take)
                if stage == .prelude, !buffer.prefix(8).elementsEqual(Crypt4GHFormat.magic.prefix(buffer.count)) {
                    throw Crypt4GHError.wrongMagic
                }
                if buffer.count == need { try headerStep() }
            }
            guard stage == .segments else { return }
            if !buffer.isEmpty {
                let take = min(rest.count, Crypt4GHFormat.cipherSegmentSize - buffer.count)
                buffer.append(contentsOf: rest.prefix(take))
                rest = rest.dropFirst(take)
                guard buffer.count == Crypt4GHFormat.cipherSegmentSize else { return }
                try typed { try buffer.withUnsafeBytes { b in
                    try Self.open(b, keys: dataKeys, index: segment, into: &output)
                } }
                segment += 1
                buffer.removeAll(keepingCapacity: true)
            }
            while rest.count >= Crypt4GHFormat.cipherSegmentSize {
                try Self.open(UnsafeRawBufferPointer(rebasing: rest.prefix(Crypt4GHFormat.cipherSegmentSize)),
                              keys: dataKeys, index: segment, into: &output)
                segment += 1
                rest = rest.dropFirst(Crypt4GHFormat.cipherSegmentSize)
            }
            buffer.append(contentsOf: rest)
        } }
    }

    /// Opens what is left as the last segment and checks the file ended where it may.
    public mutating func finish(into output: inout [UInt8]) throws(Crypt4GHError) {
        guard stage == .segments else { throw .truncatedHeader }
        guard !buffer.isEmpty else { return }
        guard buffer.count > Crypt4GHFormat.segmentOverhead else {
            throw .truncatedSegment(index: segment, bytes: buffer.count)
        }
        try typed { try buffer.withUnsafeBytes { b in
            try Self.open(b, keys: dataKeys, index: segment, into: &output)
        } }
                segment += 1
        buffer.removeAll()
    }

    /// The header's next field is whole in `buffer`: check it and say what comes next.
    private mutating func headerStep() throws(Crypt4GHError) {
        switch stage {
        case .prelude:
            let version = buffer.littleEndianUInt32(at: 8)!
            guard version == Crypt4GHFormat.version else { throw .unsupportedVersion(version) }
            remainingPackets = buffer.littleEndianUInt32(at: 12)!
            guard (1...Crypt4GHLimits.maximumPackets).contains(remainingPackets) else { throw .packetCount(remainingPackets) }
            (stage, need) = (.packetLength, 4)
        case .packetLength:
            let length = buffer.littleEndianUInt32(at: 0)!
            guard (Crypt4GHLimits.minimumPacketLength...Crypt4GHLimits.maximumPacketLength).contains(length) else {
                throw .packetLength(index: packets.count, length: length)
            }
            (stage, need) = (.packetBody, Int(length) - 4)
        case .packetBody:
            packets.append(buffer)
            remainingPackets -= 1
            if remainingPackets > 0 {
                (stage, need) = (.packetLength, 4)
            } else {
                dataKeys = try Crypt4GHFormat.dataKeys(packets: packets, reader: key)
                packets = []
                stage = .segments
                buffer.reserveCapacity(Crypt4GHFormat.cipherSegmentSize)
            }
        case .segments: break
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Appends the plain bytes of one sealed segment (nonce ‖ ciphertext ‖ tag), trying each
    /// data key of the header in turn.
    private static func open(_ sealed: UnsafeRawBufferPointer, keys dataKeys: [[UInt8]], index: Int,
                             into output: inout [UInt8]) throws(Crypt4GHError) {
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: sealed.count - Crypt4GHFormat.segmentOverhead))
        let nonce = sealed.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let body = UnsafeRawBufferPointer(rebasing: sealed[12...])
        let opened = output.withUnsafeMutableBytes { all in
            dataKeys.contains { key in
                key.withUnsafeBufferPointer {
                    Sodium.open(body, nonce: nonce, key: $0.baseAddress!,
                                into: UnsafeMutableRawBufferPointer(rebasing: all[start...])) != nil
                }
            }
        }
        guard opened else {
            output.removeSubrange(start...)
            throw .segmentAuthentication(index: index)
        }
    }
}

/// Runs `body`, whose closures throw only `Crypt4GHError` through an untyped `rethrows`.
private func typed<T>(_ body: () throws -> T) throws(Crypt4GHError) -> T {
    do { return try body() } catch let error as Crypt4GHError { throw error } catch {
        preconditionFailure("only Crypt4GHError is thrown here, not \(error)")
    }
}
