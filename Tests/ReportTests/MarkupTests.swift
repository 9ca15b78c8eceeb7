import XCTest
@testable import Report

final class MarkupTests: XCTestCase {
    func testElementsAttributesAndEscaping() {
        var m = Markup()
        m.open("svg", ["viewBox": "0 0 10 10", "class": "a<b"])
        m.element("text", ["x": "1"], "ABCD & \"EFGH\" 'x' > y")
        m.element("rect", ["width": "2"])
        m.close()
        XCTAssertTrue(m.isBalanced)
        XCTAssertEqual(m.text, "<svg viewBox=\"0 0 10 10\" class=\"a&lt;b\"><text x=\"1\">ABCD &amp; &quot;EFGH&quot; &#39;x&#39; &gt; y</text><rect width=\"2\"/></svg>")
    }

    func testUnclosedElementIsReported() {
        var m = Markup()
        m.open("g")
        XCTAssertFalse(m.isBalanced)
    }

    func testNumbersAreFixedAndShort() {
        XCTAssertEqual(Markup.number(0), "0")
        XCTAssertEqual(Markup.number(-0.001), "0")
        XCTAssertEqual(Markup.number(12), "12")
        XCTAssertEqual(Markup.number(12.5), "12.5")
        XCTAssertEqual(Markup.number(12.05), "12.05")
        XCTAssertEqual(Markup.number(-3.456), "-3.46")
        XCTAssertEqual(Markup.number(1e20), "90000000000000")
        XCTAssertEqual(Markup.number(.nan), "0")
    }
}
