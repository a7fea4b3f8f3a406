/// What a simulated device has sent and not yet been read: byte runs queued for the instant
/// each is due, in the order they fall due, read back in USB-packet-sized chunks as a bulk IN
/// endpoint delivers them. Every simulator's wire keeps one.
struct TimedOutbox: Sendable {
    private(set) var items: [(readyAt: ContinuousClock.Instant, bytes: [UInt8])] = []
    /// The most bytes one read returns (the endpoint's packet size).
    let maxChunk: Int

    init(maxChunk: Int) { self.maxChunk = maxChunk }

    var isEmpty: Bool { items.isEmpty }
    /// When the next run of bytes is due, if any is queued.
    var nextDue: ContinuousClock.Instant? { items.first?.readyAt }

    /// Queues `bytes` for `readyAt`, after everything due at or before it.
    mutating func enqueue(_ bytes: [UInt8], at readyAt: ContinuousClock.Instant) {
        let index = items.firstIndex { $0.readyAt > readyAt } ?? items.endIndex
        items.insert((readyAt, bytes), at: index)
    }

    /// Drops everything due after `instant`.
    mutating func cancel(after instant: ContinuousClock.Instant) { items.removeAll { $0.readyAt > instant } }

    /// Drops everything.
    mutating func removeAll() { items.removeAll() }

    /// Up to one packet of the bytes due by `now`, or nil when none is due.
    mutating func takeChunk(now: ContinuousClock.Instant) -> [UInt8]? {
        guard let head = items.first, head.readyAt <= now else { return nil }
        var chunk: [UInt8] = []
        while chunk.count < maxChunk, let head = items.first, head.readyAt <= now {
            let room = maxChunk - chunk.count
            if head.bytes.count <= room {
                chunk.append(contentsOf: head.bytes)
                items.removeFirst()
            } else {
                chunk.append(contentsOf: head.bytes.prefix(room))
                items[0].bytes.removeFirst(room)
            }
        }
        return chunk
    }
}
