import NetAddress
import Packet
import Pcap
@testable import Scenario
@testable import WireGuard
import XCTest

/// The fields `PcapDifference` compares for an underlay datagram: the message kind, its indices
/// in the `hex32` form and, for transport data, the counter.
final class PacketFieldsTests: XCTestCase {
    private func fields(ofPayload payload: [UInt8]) -> [String] {
        let from = Endpoint(address: .v4(IPv4Address(0x0A00_0001)), port: 51820)
        let to = Endpoint(address: .v4(IPv4Address(0x0A00_0002)), port: 51821)
        let packet = CapturedPacket(frame: 1, timestamp: 0, bytes: PacketBuilder.udp(from: from, to: to, payload: payload))
        let all = PacketFields.of(packet, decoded: nil, underlay: true)
        return all.drop { $0.0 != "ports" }.map { "\($0.0)=\($0.1)" }
    }

    func testHandshakeResponseNamesBothIndices() {
        let response = HandshakeResponse(senderIndex: 0x1234_5678, receiverIndex: 0xAB, ephemeral: [UInt8](repeating: 1, count: 32),
                                         encryptedNothing: [UInt8](repeating: 2, count: 16))
        XCTAssertEqual(fields(ofPayload: response.bytes), ["ports=51820 → 51821", "message=handshake response",
                                                           "sender index=0x12345678", "receiver index=0x000000ab"])
    }

    func testTransportDataNamesReceiverCounterAndWhyNotDecrypted() {
        let header = TransportHeader(receiverIndex: 7, counter: 0x1_0000_0002).bytes + [UInt8](repeating: 0, count: 16)
        XCTAssertEqual(fields(ofPayload: header), ["ports=51820 → 51821", "message=transport data", "receiver index=0x00000007",
                                                   "counter=4294967298", "inner packet=not decrypted: no key for it in wireguard.keys"])
    }

    func testUnknownMessageTypeStopsAtThePorts() {
        XCTAssertEqual(fields(ofPayload: [9, 0, 0, 0, 1, 2, 3, 4]), ["ports=51820 → 51821"])
    }
}
