import Foundation
import PrecisCore
import PrecisFormats
import PrecisSignal

/// Writes completed reads to BLOW5 on its own thread, so compression never holds up the signal
/// thread: reads arrive in batches, each becomes a SLOW5 record with ONT's usual auxiliary
/// fields (channel_number, median_before, read_number, start_mux, start_time, end_reason).
final class ReadWriter: @unchecked Sendable {
    static let auxFields = [
        SLOW5AuxField(name: "channel_number", type: .string),
        SLOW5AuxField(name: "median_before", type: .double),
        SLOW5AuxField(name: "read_number", type: .int32),
        SLOW5AuxField(name: "start_mux", type: .uint8),
        SLOW5AuxField(name: "start_time", type: .uint64),
        SLOW5AuxField(name: "end_reason", type: .enumeration(ReadEndReason.labels)),
    ]

    let writer: SLOW5Writer
    let calibrations: [ChannelCalibration]
    let sampleRate: Double
    let condition = NSCondition()
    var queue: [[SegmentedRead]] = []
    var closing = false
    /// Each written read's length in samples, in file order (the writer thread's own).
    var lengths: [Int] = []
    var error: PrecisError?
    let done = DispatchSemaphore(value: 0)
    /// Puts what the writer has handed to the operating system on disk while the run goes, so
    /// that finishing the file (its fsync) waits for little: one sync at a time, the next one
    /// asked for while another runs coalesced into it.
    let syncing = DispatchQueue(label: "precis.blow5-sync")
    let syncLock = NSLock()
    var syncAsked = false
    /// The file's size when a sync was last asked for (the writer thread's own): one is asked for
    /// each MiB, not each batch.
    var syncedUpTo = 0

    init(writer: SLOW5Writer, calibrations: [ChannelCalibration], sampleRate: Double) {
        self.writer = writer
        self.calibrations = calibrations
        self.sampleRate = sampleRate
        let thread = Thread { [self] in
            drain()
            done.signal()
        }
        thread.name = "precis.blow5-writer"
        thread.start()
    }

    /// Queues a batch (called from the signal thread).
    func submit(_ reads: [SegmentedRead]) {
        condition.withLock {
            queue.append(reads)
            condition.signal()
        }
    }

    /// Writes what is queued, finishes the file and returns (reads written, bytes, each read's
    /// length in samples), or the first write error.
    func finish() async throws -> (reads: Int, bytes: Int, lengths: [Int]) {
        condition.withLock {
            closing = true
            condition.signal()
        }
        await done.waitOffThePool()
        syncing.sync {}   // no sync runs once the file is finished and closed
        if let error { throw error }
        try writer.finish()
        return (writer.readsWritten, writer.bytesWritten, lengths)
    }

    func drain() {
        while true {
            let batch: [[SegmentedRead]]? = condition.withLock {
                while queue.isEmpty && !closing { condition.wait() }
                if queue.isEmpty { return nil }
                defer { queue.removeAll(keepingCapacity: true) }
                return queue
            }
            guard let batch else { return }
            guard error == nil else { continue }
            do {
                for reads in batch {
                    for read in reads {
                        try writer.write(record(read))
                        lengths.append(read.raw.count)
                    }
                }
                try writer.flush()   // a killed process keeps these reads (recovery finishes the file)
                syncInBackground()
            } catch {
                self.error = error as? PrecisError ?? PrecisError(.storage, "\(error)")
            }
        }
    }

    /// Asks for a sync of what is written so far, once a MiB more is (called on the writer thread).
    func syncInBackground() {
        guard writer.bytesWritten - syncedUpTo >= 1 << 20 else { return }
        syncedUpTo = writer.bytesWritten
        let start = syncLock.withLock { () -> Bool in
            defer { syncAsked = true }
            return !syncAsked
        }
        guard start else { return }
        syncing.async { [self] in
            while syncLock.withLock({ () -> Bool in
                defer { syncAsked = false }
                return syncAsked
            }) {
                writer.syncHandedOver()
            }
        }
    }

    func record(_ read: SegmentedRead) -> SLOW5Read {
        let cal = calibrations[read.channel - 1]
        return SLOW5Read(readID: UUID().uuidString.lowercased(), digitisation: cal.digitisation, offset: cal.offset,
                         range: cal.range, samplingRate: sampleRate, rawSignal: read.raw,
                         aux: ["channel_number": .string(String(read.channel)), "median_before": .real(Double(read.medianBefore)),
                               "read_number": .int(Int64(read.readNumber)), "start_mux": .uint(1),
                               "start_time": .uint(read.startSample), "end_reason": .uint(UInt64(read.endReason.rawValue))])
    }
}
