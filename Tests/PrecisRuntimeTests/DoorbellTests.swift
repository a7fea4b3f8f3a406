import Foundation
@testable import PrecisRuntime
import Testing

/// The sequencing run waits on the pipeline's doorbell between its 100 ms looks, so a run whose
/// sequencer has sent its last packet ends then, not up to 100 ms later. Each wait says whether
/// the ring or the time limit ended it (no clock is read: a busy test pool may resume it late).
@Suite struct DoorbellTests {
    @Test func aRingEndsTheWaitAndARingWithNobodyWaitingIsKeptForTheNextWait() async {
        let bell = Doorbell()
        bell.ring()
        #expect(await bell.wait(upTo: .seconds(60)))
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.05)
            bell.ring()
        }
        #expect(await bell.wait(upTo: .seconds(60)))
    }

    @Test func withoutARingTheWaitEndsAtItsLimitAndALateTimerEndsNoLaterWait() async {
        let bell = Doorbell()
        #expect(await bell.wait(upTo: .milliseconds(20)) == false)
        // A wait ended by its ring leaves its timer behind; the next wait is still the ring's.
        bell.ring()
        #expect(await bell.wait(upTo: .milliseconds(30)))
        try? await Task.sleep(for: .milliseconds(50))   // the first wait's and the second's timers have fired
        bell.ring()
        #expect(await bell.wait(upTo: .seconds(60)))
    }
}
