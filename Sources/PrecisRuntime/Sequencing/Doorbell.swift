import Foundation

/// Wakes one waiting task early: a thread rings it (the signal thread, when the sequencer's
/// last packet has gone through), the task waiting in `wait(upTo:)` resumes then instead of
/// at the end of its wait. A ring with nobody waiting is kept for the next wait.
final class Doorbell: @unchecked Sendable {
    private let lock = NSLock()
    private var rung = false
    private var waiter: CheckedContinuation<Bool, Never>?
    /// Which wait a timer belongs to, so that a late timer never ends a later wait.
    private var generation = 0

    /// Rings: the waiting task (or the next one to wait) resumes now.
    func ring() {
        let waiting: CheckedContinuation<Bool, Never>? = lock.withLock {
            guard let w = waiter else { rung = true; return nil }
            waiter = nil
            return w
        }
        waiting?.resume(returning: true)
    }

    /// Returns when the bell rings (true) or after `limit` (false), whichever comes first; a ring is used up.
    @discardableResult
    func wait(upTo limit: Duration) async -> Bool {
        await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            let mine: Int? = lock.withLock {
                if rung { rung = false; return nil }
                waiter = c
                generation += 1
                return generation
            }
            guard let mine else { return c.resume(returning: true) }
            let nanoseconds = Int(limit.components.seconds) * 1_000_000_000 + Int(limit.components.attoseconds / 1_000_000_000)
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in
                let waiting: CheckedContinuation<Bool, Never>? = lock.withLock {
                    guard generation == mine, let w = waiter else { return nil }
                    waiter = nil
                    return w
                }
                waiting?.resume(returning: false)
            }
        }
    }
}
