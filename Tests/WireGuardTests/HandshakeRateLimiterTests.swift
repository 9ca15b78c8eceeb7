import Routing
@testable import WireGuard
import XCTest

/// Under-load handshake limiter [compat src/ratelimiter.c], behaviour doc §4.5: 20/s, burst 5.
final class HandshakeRateLimiterTests: XCTestCase {
    let a = IPAddress.v4(IPv4Address(192, 0, 2, 1))
    let b = IPAddress.v4(IPv4Address(192, 0, 2, 2))

    func testBurstOfFiveThenOneEvery50ms() {
        var r = HandshakeRateLimiter()
        let t: Int64 = 1_000_000_000
        for i in 0..<5 { XCTAssertTrue(r.allow(a, now: t), "burst packet \(i)") }
        XCTAssertFalse(r.allow(a, now: t), "sixth in the same instant")
        XCTAssertTrue(r.allow(b, now: t), "another source has its own bucket")
        XCTAssertFalse(r.allow(a, now: t + 49_999_999))
        XCTAssertTrue(r.allow(a, now: t + 50_000_000 + 49_999_999))
    }

    func testIPv6SourcesShareABucketPerSlash64() throws {
        var r = HandshakeRateLimiter()
        let x = try IPAddress(parsing: "2001:db8:1:2::1")
        let y = try IPAddress(parsing: "2001:db8:1:2:ffff::9")
        let z = try IPAddress(parsing: "2001:db8:1:3::1")
        for _ in 0..<5 { XCTAssertTrue(r.allow(x, now: 0)) }
        XCTAssertFalse(r.allow(y, now: 0), "same /64")
        XCTAssertTrue(r.allow(z, now: 0))
    }

    func testIdleSourceRefillsToTheCap() {
        var r = HandshakeRateLimiter()
        for _ in 0..<5 { XCTAssertTrue(r.allow(a, now: 0)) }
        let later: Int64 = 10_000_000_000
        for _ in 0..<5 { XCTAssertTrue(r.allow(a, now: later)) }
        XCTAssertFalse(r.allow(a, now: later))
    }
}
