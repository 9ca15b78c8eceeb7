@testable import Sim
import WireGuard
import XCTest

/// The key log streamed line by line (`onKeyLogLine`, what `wgsim run` does) holds the same
/// lines in the same order as the key log kept in memory, and keeps nothing itself.
final class KeyLogStreamTests: XCTestCase {
    typealias N = SimTestNetwork

    func testStreamedKeyLogEqualsTheKeptOneAndKeepsNothing() throws {
        let kept = try N.pair()
        N.ping(kept, from: "client", to: "10.0.0.1", at: 1, count: 3)
        kept.run(until: 200 * N.second)

        let streamed = try N.pair()
        var lines: [String] = []
        streamed.onKeyLogLine = { lines.append($0) }
        N.ping(streamed, from: "client", to: "10.0.0.1", at: 1, count: 3)
        streamed.run(until: 200 * N.second)

        XCTAssertGreaterThanOrEqual(kept.keyLog.count, 4)
        XCTAssertEqual(lines, kept.keyLog)
        XCTAssertEqual(streamed.keyLog, [])
        XCTAssertEqual(streamed.keyLogKeys, [])
    }

    /// "Each secret once" is decided by the secret's type and key, as the line would be.
    func testKeyLogIdentityIsTheTypeAndTheKey() {
        let key = [UInt8](repeating: 7, count: 32)
        var other = key
        other[31] = 8
        let a = KeyLogEntry(kind: .localEphemeralPrivate, key: key)
        XCTAssertEqual(KeyLogIdentity(a), KeyLogIdentity(KeyLogEntry(kind: .localEphemeralPrivate, key: key)))
        XCTAssertNotEqual(KeyLogIdentity(a), KeyLogIdentity(KeyLogEntry(kind: .localStaticPrivate, key: key)))
        XCTAssertNotEqual(KeyLogIdentity(a), KeyLogIdentity(KeyLogEntry(kind: .localEphemeralPrivate, key: other)))
        XCTAssertNotEqual(KeyLogIdentity(KeyLogEntry(kind: .presharedKey, key: [])),
                          KeyLogIdentity(KeyLogEntry(kind: .presharedKey, key: [0])))
        XCTAssertEqual(Set([a, a, KeyLogEntry(kind: .localEphemeralPrivate, key: other)].map(KeyLogIdentity.init)).count, 2)
        XCTAssertLessThanOrEqual(MemoryLayout<KeyLogIdentity>.stride, 40, "held inline, not as the line")
    }
}
