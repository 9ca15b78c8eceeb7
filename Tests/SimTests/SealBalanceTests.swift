import Glibc
@testable import Sim
import XCTest

/// Where a transport seal runs (`TransportOpenVerifier.laneHasRoom`): on the capture lane while
/// it keeps up, on the event thread while it is behind, decided from the lane's queue as the
/// producer last saw it.
final class SealBalanceTests: XCTestCase {
    /// A job that waits until its gate opens.
    private final class GatedJob: WorkerJob, @unchecked Sendable {
        let gate: UnsafeMutablePointer<sem_t>
        init(_ gate: UnsafeMutablePointer<sem_t>) { self.gate = gate }
        func run() { sem_wait(gate) }
    }

    func testALaneThatFallsBehindGetsNoSealsUntilItCatchesUp() {
        let lane = WorkerLane(capacity: 32)
        let verifier = TransportOpenVerifier(lane: lane)
        let gate = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        sem_init(gate, 0, 0)
        defer { sem_destroy(gate); gate.deallocate() }
        XCTAssertTrue(verifier.laneHasRoom, "an empty lane has room")
        // The first job blocks the lane; the queue grows behind it.
        for _ in 0..<16 { lane.submit(GatedJob(gate)) }
        XCTAssertEqual(lane.backlogAtLastSubmit, 15)
        XCTAssertTrue(verifier.laneHasRoom, "fewer than half of the queue waiting")
        lane.submit(GatedJob(gate))
        XCTAssertEqual(lane.backlogAtLastSubmit, 16, "sixteen jobs were ahead of the last one")
        XCTAssertFalse(verifier.laneHasRoom, "half the queue waiting: seals stay on the event thread")
        for _ in 0..<17 { sem_post(gate) }
        lane.drain()
        lane.submit(GatedJob(gate))
        XCTAssertEqual(lane.backlogAtLastSubmit, 0)
        XCTAssertTrue(verifier.laneHasRoom, "caught up: seals go to the lane again")
        sem_post(gate)
        lane.stop()
    }

    func testWithoutALaneSealsAreNeverLeft() {
        XCTAssertFalse(TransportOpenVerifier(lane: nil).laneHasRoom)
    }
}
