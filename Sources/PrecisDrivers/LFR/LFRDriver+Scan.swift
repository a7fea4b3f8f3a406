import Logging
import PrecisCore

extension LFRDriver {
    /// Reads the strip: START_SCAN, the SCAN_DATA stream, SCAN_DONE, then GET_SCAN_DATA for
    /// any readings the link lost (protocol.md §7). `progress` sees every block as it arrives,
    /// so a caller keeps what came in even when the scan fails half way.
    ///
    /// ```
    /// host ── START_SCAN seq=n ────────▶ reader
    /// host ◀── SCAN_STARTED ref=n ────── reader
    /// host ◀── SCAN_DATA ref=n (×k) ──── reader
    /// host ◀── SCAN_DONE ref=n ───────── reader
    /// host ── GET_SCAN_DATA (gaps) ────▶ reader   (only when frames were lost)
    /// ```
    public func scan(_ request: LFRScanRequest,
                     progress: @escaping @Sendable (LFRScanProgress) -> Void = { _ in }) async throws -> LineProfile {
        guard let expected = request.readingCount else {
            throw PrecisError(.input, "scan settings out of range (start \(request.startUM) µm, end \(request.endUM) µm, "
                              + "step \(request.stepUM) µm, integration \(request.integrationMS) ms, LED \(request.ledPercent) %)")
        }
        let started = try await exchange(.startScan(request), expecting: .scanStarted)
        guard case let .scanStarted(scanID, total) = started, total == expected else {
            throw PrecisError(.protocol, "reader announced a scan of a different length than the \(expected) readings asked")
        }
        var buffer = ScanBuffer(scanID: scanID, total: total)
        do {
            let done = try await collect(&buffer, progress: progress)
            try await refill(&buffer, progress: progress)
            let profile = try buffer.profile(fullScale: fullScale)
            if let checksum = done, LFRMessage.checksum(of: profile.reflectance) != checksum {
                throw PrecisError(.protocol, "scan \(scanID): SCAN_DONE checksum does not match the readings received")
            }
            return profile
        } catch is CancellationError {
            try? await abort()
            throw CancellationError()
        } catch let error as PrecisError {
            throw error.context("scan \(scanID) stopped after \(buffer.received) of \(total) readings")
        }
    }

    /// Takes SCAN_DATA until SCAN_DONE; returns its checksum, or nil when SCAN_DONE was lost
    /// and GET_STATUS says the reader finished.
    private func collect(_ buffer: inout ScanBuffer,
                         progress: @Sendable (LFRScanProgress) -> Void) async throws -> UInt16? {
        let limit = ContinuousClock.now + timing.scanLimit
        while ContinuousClock.now < limit {
            guard let frame = try await receive(until: ContinuousClock.now + timing.dataGap) else {
                let status = try await status()
                if status.state == 1 { continue }
                guard status.lastScanID == buffer.scanID, status.lastScanComplete else {
                    throw PrecisError(.deviceFault, "the reader stopped the scan before its end",
                                      hint: status.cartridgePresent ? "repeat the run" : "the cartridge was removed")
                }
                logger.warning("SCAN_DONE of scan \(buffer.scanID) lost; the reader finished, refilling from its buffer")
                return nil
            }
            switch try LFRMessage(frame: frame) {
            case .scanData(let block) where block.scanID == buffer.scanID:
                try accept(block, into: &buffer, progress: progress)
            case let .scanDone(scanID, total, checksum) where scanID == buffer.scanID:
                guard total == buffer.total else {
                    throw PrecisError(.protocol, "SCAN_DONE says \(total) readings, SCAN_STARTED said \(buffer.total)")
                }
                return checksum
            case let .error(code, detail):
                throw Self.readerError(code, detail, during: "the scan")
            default:
                logger.debug("ignored \(frame.summary) during scan \(buffer.scanID)")
            }
        }
        throw PrecisError(.timeout, "the scan took longer than \(timing.scanLimit)")
    }

    /// Fetches every missing range again with GET_SCAN_DATA, each up to `timing.attempts` times.
    private func refill(_ buffer: inout ScanBuffer, progress: @Sendable (LFRScanProgress) -> Void) async throws {
        for range in buffer.missingRanges(maxLength: LFRProtocol.maxReadingsPerFrame) {
            var attempt = 0
            while buffer.hasGap(in: range) {
                attempt += 1
                guard attempt <= timing.attempts else {
                    throw PrecisError(.protocol, "readings \(range.lowerBound)–\(range.upperBound - 1) could not be fetched "
                                      + "after \(timing.attempts) tries", hint: "check the USB cable and repeat the run")
                }
                let before = buffer.received
                let seq = try await send(.getScanData(scanID: buffer.scanID, first: UInt16(range.lowerBound),
                                                      count: UInt16(range.count)))
                try await awaitRefill(&buffer, range: range, ref: seq, progress: progress)
                await link.noteRefilled(buffer.received - before)
            }
            logger.notice("refilled readings \(range.lowerBound)–\(range.upperBound - 1) of scan \(buffer.scanID)")
        }
    }

    private func awaitRefill(_ buffer: inout ScanBuffer, range: Range<Int>, ref: UInt8,
                             progress: @Sendable (LFRScanProgress) -> Void) async throws {
        let deadline = ContinuousClock.now + timing.reply
        while buffer.hasGap(in: range), let frame = try await receive(until: deadline) {
            guard frame.ref == ref else { continue }
            switch try LFRMessage(frame: frame) {
            case .scanData(let block) where block.scanID == buffer.scanID:
                try accept(block, into: &buffer, progress: progress)
            case let .error(code, detail):
                throw Self.readerError(code, detail, .getScanData)
            default:
                continue
            }
        }
    }

    private func accept(_ block: LFRScanBlock, into buffer: inout ScanBuffer,
                        progress: @Sendable (LFRScanProgress) -> Void) throws {
        try buffer.store(block)
        progress(LFRScanProgress(received: buffer.received, total: buffer.total, block: block))
    }
}

/// The readings of one scan as they arrive, in any order, each index once.
struct ScanBuffer {
    let scanID: UInt16
    let total: Int
    private var positions: [UInt16]
    private var values: [UInt16]
    private var filled: [Bool]
    private(set) var received = 0

    init(scanID: UInt16, total: Int) {
        self.scanID = scanID
        self.total = total
        positions = Array(repeating: 0, count: total)
        values = Array(repeating: 0, count: total)
        filled = Array(repeating: false, count: total)
    }

    mutating func store(_ block: LFRScanBlock) throws {
        guard block.first >= 0, block.first + block.reflectance.count <= total else {
            throw PrecisError(.protocol, "SCAN_DATA readings \(block.first)..<\(block.first + block.reflectance.count) "
                              + "lie outside the scan's \(total)")
        }
        for offset in 0..<block.reflectance.count {
            let index = block.first + offset
            if !filled[index] { received += 1 }
            filled[index] = true
            positions[index] = block.positionsUM[offset]
            values[index] = block.reflectance[offset]
        }
    }

    func hasGap(in range: Range<Int>) -> Bool { range.contains { !filled[$0] } }

    /// Maximal runs of missing indices, cut to at most `maxLength` each.
    func missingRanges(maxLength: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var index = 0
        while index < total {
            guard !filled[index] else { index += 1; continue }
            var end = index
            while end < total, !filled[end], end - index < maxLength { end += 1 }
            ranges.append(index..<end)
            index = end
        }
        return ranges
    }

    func profile(fullScale: UInt16) throws -> LineProfile {
        guard received == total else {
            throw PrecisError(.protocol, "\(total - received) readings still missing")
        }
        for index in 1..<max(total, 1) where positions[index] <= positions[index - 1] {
            throw PrecisError(.protocol, "positions do not increase at reading \(index)")
        }
        return LineProfile(positionsUM: positions.map(Int.init), reflectance: values, fullScale: fullScale)
    }
}
