import WireGuard
import XCTest

final class SeededRandomTests: XCTestCase {
    func testSameSeedAndLabelGiveTheSameStream() {
        var a = SeededRandom(seed: 7, label: "server/ephemeral")
        var b = SeededRandom(seed: 7, label: "server/ephemeral")
        XCTAssertEqual((0..<16).map { _ in a.next() }, (0..<16).map { _ in b.next() })
    }

    func testLabelsAndSeedsSeparateStreams() {
        var a = SeededRandom(seed: 7, label: "server/ephemeral")
        var b = SeededRandom(seed: 7, label: "client/ephemeral")
        var c = SeededRandom(seed: 8, label: "server/ephemeral")
        let x = a.next()
        XCTAssertNotEqual(x, b.next())
        XCTAssertNotEqual(x, c.next())
    }

    func testBytesHaveTheRequestedLength() {
        var r = SeededRandom(seed: 1, label: "n")
        XCTAssertEqual(r.bytes(24).count, 24)
        XCTAssertEqual(r.bytes(0).count, 0)
    }
}
