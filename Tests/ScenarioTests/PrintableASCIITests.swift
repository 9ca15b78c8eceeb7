import XCTest
@testable import Scenario

/// The eight-bytes-at-a-time checks of a file's characters (`PrintableASCII`) and the readers
/// that use them: they find exactly the byte a byte-by-byte check finds, wherever it is.
final class PrintableASCIITests: XCTestCase {
    typealias Dice = YAMLSubsetReaderRandomTests.Dice

    /// Bytes at the edges of the printable range, and some inside it.
    static let bytes: [UInt8] = [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x21, 0x41, 0x7A, 0x7E, 0x7F, 0x80, 0x85, 0xA0, 0xC2, 0xE2, 0xFE, 0xFF]

    func testWordTestAgreesWithTheByteTest() {
        var dice = Dice(state: 0x5EED_0016_0000_0001)
        for n in 0..<200_000 {
            // Mostly printable words with one or two bytes from the edges, now and then.
            var word: UInt64 = 0
            var printable = true
            for k in 0..<8 {
                let byte = dice.roll(4) == 0 ? dice.pick(Self.bytes) : UInt8(0x20 + dice.roll(0x5F))
                printable = printable && byte >= 0x20 && byte < 0x7F
                word |= UInt64(byte) << (8 * k)
            }
            XCTAssertEqual(PrintableASCII.isPrintable(word), printable, "#\(n): \(String(word, radix: 16))")
        }
        // Every single byte value in every position of an otherwise printable word.
        for value in 0...255 {
            for k in 0..<8 {
                let word = (0x4141_4141_4141_4141 as UInt64) & ~(0xFF << (8 * k)) | UInt64(value) << (8 * k)
                XCTAssertEqual(PrintableASCII.isPrintable(word), value >= 0x20 && value < 0x7F, "byte \(value) at \(k)")
            }
        }
    }

    func testEndOfARunIsTheFirstOtherByte() {
        var dice = Dice(state: 0x5EED_0016_0000_0002)
        for n in 0..<50_000 {
            let count = dice.roll(40)
            let buffer: [UInt8] = (0..<count).map { _ in dice.roll(12) == 0 ? dice.pick(Self.bytes) : UInt8(0x20 + dice.roll(0x5F)) }
            let start = count == 0 ? 0 : dice.roll(count + 1)
            let expected = buffer[start...].firstIndex { $0 < 0x20 || $0 >= 0x7F } ?? count
            buffer.withUnsafeBufferPointer { bytes in
                XCTAssertEqual(PrintableASCII.end(of: bytes, from: start), expected, "#\(n): \(buffer) from \(start)")
            }
        }
    }

    /// A control character anywhere in long printable lines is refused at its own line and
    /// column, however far into a run of printable bytes it falls.
    func testTextCheckNamesTheLineAndColumnAfterLongRuns() {
        var dice = Dice(state: 0x5EED_0016_0000_0003)
        for n in 0..<2_000 {
            var lines = (0..<(1 + dice.roll(4))).map { _ in String((0..<dice.roll(70)).map { _ in Character(Unicode.Scalar(UInt8(0x20 + dice.roll(0x5F)))) }) }
            let line = dice.roll(lines.count)
            let column = dice.roll(lines[line].count + 1)
            var characters = Array(lines[line])
            characters.insert(dice.pick(["\u{7}", "\u{7F}", "\u{0}", "\u{1B}"]), at: column)
            lines[line] = String(characters)
            let text = lines.joined(separator: "\n") + "\n"
            do {
                try YAMLTextCheck.check(text, file: "t.yaml")
                XCTFail("#\(n): accepted \(text.debugDescription)")
            } catch let e as ScenarioError {
                XCTAssertEqual(e.line, line + 1, "#\(n): \(text.debugDescription)")
                XCTAssertEqual(e.column, column + 1, "#\(n): \(text.debugDescription)")
                XCTAssertTrue(e.description.contains("control character"), e.description)
            } catch {
                XCTFail("#\(n): \(error)")
            }
        }
    }

    /// The subset reader gives up on a generated hub with any byte outside printable ASCII and
    /// newlines, wherever it is (its line index and its character check are one pass).
    func testSubsetReaderGivesUpOnAnyOtherByte() throws {
        let text = HubGenerator.yaml(peers: 3, trace: "h3-trace.pcap", packets: 100)
        XCTAssertNotNil(YAMLSubsetReader.read(text))
        var dice = Dice(state: 0x5EED_0016_0000_0004)
        let utf8 = Array(text.utf8)
        for n in 0..<3_000 {
            var bytes = utf8
            let at = dice.roll(bytes.count)
            let inserted: [UInt8] = dice.pick([[0x09], [0x7F], [0x01], [0x0D], [0xC3, 0xA9], [0xC2, 0x85], [0xE2, 0x80, 0xA8]])
            bytes.insert(contentsOf: inserted, at: at)
            XCTAssertNil(YAMLSubsetReader.read(String(decoding: bytes, as: UTF8.self)), "#\(n): \(inserted) at \(at)")
        }
    }

    /// The scan marks an entry with each word found on any of its lines, trailing comments
    /// included, comment lines not, each word found once however many lines follow.
    func testScanMarksWordsOnEachEntrysLines() throws {
        let text = """
            nodes:
              a:
                x: wireguard
                y: [private-key]
              b: {wireguard: {address: [10.0.0.1/32]}}
              c:
                # wireguard on a comment line
                z: 1 # private-key in a trailing comment
              d:
                w: wireguar
                v: d
              e:
                v: private-key
                u: private-key
                t: wireguard

            """
        var marks: [String: UInt8] = [:]
        let read = YAMLSubsetReader.read(text, streaming: "nodes", marking: ["wireguard", "private-key"]) { _, scan in
            for (key, mark) in zip(scan.keys, scan.marks) { marks[key] = mark }
            return nil
        }
        XCTAssertNotNil(read)
        XCTAssertEqual(marks, ["a": 0b11, "b": 0b01, "c": 0b10, "d": 0, "e": 0b11])
    }
}
