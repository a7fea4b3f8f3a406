import Atomics
import Foundation
import PrecisCore

/// A preallocated single-producer single-consumer ring of packet slots: the producer (the
/// stream's thread) copies each packet once into the next free slot, the consumer (the
/// signal thread) reads it in place and frees it. Two atomic counters and no lock; nothing is
/// allocated after `init`. A full ring refuses the packet and counts it: an overflow is
/// reported, never hidden.
public final class PacketRing: PacketSink, @unchecked Sendable {
    /// Bytes per slot (the largest packet).
    public let slotSize: Int
    /// Slots (a power of two).
    public let slotCount: Int
    let mask: Int
    let storage: UnsafeMutableRawPointer
    let lengths: UnsafeMutablePointer<Int>
    let head = ManagedAtomic<Int>(0)
    let tail = ManagedAtomic<Int>(0)
    let overflowCounter = ManagedAtomic<Int>(0)
    /// Packets (and their bytes) refused since the last one taken; see `refusedAtEnd`.
    let refusedSinceTaken = ManagedAtomic<Int>(0)
    let refusedBytesSinceTaken = ManagedAtomic<Int>(0)
    let oversizeCounter = ManagedAtomic<Int>(0)
    let failed = ManagedAtomic<Bool>(false)
    let failureLock = NSLock()
    var failureValue: PrecisError?

    /// A ring of at least `slots` slots of `slotSize` bytes.
    public init(slotSize: Int, slots: Int) {
        precondition(slotSize > 0 && slots > 0)
        var count = 1
        while count < slots { count <<= 1 }
        self.slotSize = slotSize
        slotCount = count
        mask = count - 1
        storage = UnsafeMutableRawPointer.allocate(byteCount: slotSize * count, alignment: 64)
        lengths = .allocate(capacity: count)
        lengths.initialize(repeating: 0, count: count)
    }

    deinit {
        storage.deallocate()
        lengths.deallocate()
    }

    /// Producer side: copies the packet into the next slot, or counts an overflow and returns false.
    public func deliver(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard packet.count <= slotSize else {
            oversizeCounter.wrappingIncrement(ordering: .relaxed)
            return true
        }
        let h = head.load(ordering: .relaxed)
        if h - tail.load(ordering: .acquiring) == slotCount {
            overflowCounter.wrappingIncrement(ordering: .relaxed)
            refusedSinceTaken.wrappingIncrement(ordering: .relaxed)
            refusedBytesSinceTaken.wrappingIncrement(by: packet.count, ordering: .relaxed)
            return false
        }
        if refusedSinceTaken.load(ordering: .relaxed) != 0 {
            refusedSinceTaken.store(0, ordering: .relaxed)
            refusedBytesSinceTaken.store(0, ordering: .relaxed)
        }
        let slot = h & mask
        if let base = packet.baseAddress { (storage + slot * slotSize).copyMemory(from: base, byteCount: packet.count) }
        lengths[slot] = packet.count
        head.store(h + 1, ordering: .releasing)
        return true
    }

    /// Producer side: whether a slot is free.
    public func hasRoom() -> Bool { head.load(ordering: .relaxed) - tail.load(ordering: .acquiring) < slotCount }

    /// Producer side: the source stopped for good.
    public func sourceFailed(_ error: PrecisError) {
        failureLock.withLock { failureValue = failureValue ?? error }
        failed.store(true, ordering: .releasing)
    }

    /// Consumer side: hands the oldest packet to `body` in place and frees its slot; false when empty.
    @inline(__always)
    public func consume(_ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        let t = tail.load(ordering: .relaxed)
        guard head.load(ordering: .acquiring) != t else { return false }
        let slot = t & mask
        body(UnsafeRawBufferPointer(start: storage + slot * slotSize, count: lengths[slot]))
        tail.store(t + 1, ordering: .releasing)
        return true
    }

    /// Packets refused because the ring was full.
    public var overflows: Int { overflowCounter.load(ordering: .relaxed) }
    /// Packets refused after the last packet the ring took, and their bytes. The consumer sees
    /// every other refused packet as a gap in the sequence before the next packet it gets; these
    /// it never can, so once the source has stopped they are counted as lost from here.
    public var refusedAtEnd: (packets: Int, bytes: Int) {
        (refusedSinceTaken.load(ordering: .relaxed), refusedBytesSinceTaken.load(ordering: .relaxed))
    }
    /// Packets larger than a slot (discarded).
    public var oversized: Int { oversizeCounter.load(ordering: .relaxed) }
    /// Packets waiting.
    public var depth: Int { head.load(ordering: .relaxed) - tail.load(ordering: .relaxed) }
    /// Why the source stopped, once it has.
    public var failure: PrecisError? {
        guard failed.load(ordering: .acquiring) else { return nil }
        return failureLock.withLock { failureValue }
    }
}
