import XCTest

/// `wgsim genkey` / `wgsim pubkey` against key pairs made by the real `wg` (the interop key logs:
/// each side's LOCAL_STATIC_PRIVATE_KEY and the other side's REMOTE_STATIC_PUBLIC_KEY).
final class GenKeyCommandTests: XCTestCase {
    func testPubkeyMatchesWgGeneratedPairs() throws {
        let pairs = [("cFIxTUyBs1Qil414hBwEgvasEax8CKJ5IS5ZougplWs=", "YDCttCs9e1J52/g9vEnwJJa+2x6RqaayAYMpSVQfGEY="),
                     ("AKeZaHwBxjiKLFnkY2unvEdOTtg4AL+M9dQXfopFVFk=", "Igge9KzRytKNwrgkzDE/8hrLu6Ly0OqVdvOPWhA5KR4=")]
        for (privateKey, publicKey) in pairs {
            let result = try CLIRunner.run(["pubkey"], stdin: privateKey + "\n")
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stdout, publicKey + "\n")
        }
    }

    func testGenkeyPrintsAClampedKeyThatPubkeyAccepts() throws {
        let generated = try CLIRunner.run(["genkey"])
        XCTAssertEqual(generated.status, 0)
        let key = generated.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(key.count, 44)
        let raw = try XCTUnwrap(Data(base64Encoded: key))
        XCTAssertEqual(raw.first.map { $0 & 7 }, 0, "bits 0-2 cleared")
        XCTAssertEqual(raw.last.map { $0 & 0xC0 }, 0x40, "bit 255 cleared, bit 254 set")
        let derived = try CLIRunner.run(["pubkey"], stdin: generated.stdout)
        XCTAssertEqual(derived.status, 0)
        XCTAssertEqual(derived.stdout.count, 45)
        XCTAssertNotEqual(try CLIRunner.run(["genkey"]).stdout, generated.stdout, "fresh randomness each run")
    }

    func testPubkeyRejectsBadInputWithStatus2() throws {
        for input in ["", "not a key\n", "AKeZaHwBxjiKLFnkY2unvEdOTtg4AL+M9dQXfopFVF=\n"] {
            let result = try CLIRunner.run(["pubkey"], stdin: input)
            XCTAssertEqual(result.status, 2, input)
            XCTAssertTrue(result.stderr.contains("standard input"), result.stderr)
        }
    }
}
