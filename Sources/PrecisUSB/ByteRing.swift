/// A preallocated ring of bytes: the one copy between a USB transfer's buffer and the reader.
struct ByteRing {
    private var storage: [UInt8]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) { storage = Array(repeating: 0, count: capacity) }

    var capacity: Int { storage.count }

    /// Appends `length` bytes from `source`; returns how many did not fit (and were not kept).
    mutating func append(_ source: UnsafePointer<UInt8>, length: Int) -> Int {
        let room = capacity - count
        let kept = min(room, length)
        let size = capacity
        var tail = (head + count) % size
        storage.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<kept {
                buffer[tail] = source[i]
                tail = tail + 1 == size ? 0 : tail + 1
            }
        }
        count += kept
        return length - kept
    }

    /// Takes out everything held, oldest first.
    mutating func takeAll() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count)
        let first = min(count, capacity - head)
        out.append(contentsOf: storage[head..<head + first])
        out.append(contentsOf: storage[0..<(count - first)])
        head = 0
        count = 0
        return out
    }
}
