import Foundation
import XCTest

/// The course's pictures (Scenarios/pictures/) are what `wgsim draw` draws now: each is redrawn
/// in memory from the list in scripts/draw-course-pictures.sh and compared byte for byte.
final class DrawCoursePicturesTests: XCTestCase {
    /// The script's list: picture file name, then the arguments of `wgsim draw`.
    private func pictureList() throws -> [(name: String, arguments: [String])] {
        let script = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("scripts/draw-course-pictures.sh"), encoding: .utf8)
        let lines = script.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let begin = try XCTUnwrap(lines.firstIndex(of: "# pictures:begin"))
        let end = try XCTUnwrap(lines.firstIndex(of: "# pictures:end"))
        return lines[(begin + 1)..<end].filter { !$0.isEmpty && !$0.hasPrefix("#") }.map { line in
            let words = line.split(separator: " ").map(String.init)
            return (words[0], Array(words.dropFirst()))
        }
    }

    func testCommittedPicturesAreWhatWgsimDrawsNow() throws {
        let pictures = try pictureList()
        XCTAssertGreaterThanOrEqual(pictures.count, 16)
        let folder = CLIRunner.packageRoot.appendingPathComponent("Scenarios/pictures")
        for picture in pictures {
            let drawn = try CLIRunner.run(["draw"] + picture.arguments)
            XCTAssertEqual(drawn.status, 0, "\(picture.name): \(drawn.stderr)")
            let committed = try String(contentsOf: folder.appendingPathComponent(picture.name), encoding: .utf8)
            XCTAssertTrue(drawn.stdout == committed,
                          "Scenarios/pictures/\(picture.name) differs from `wgsim draw \(picture.arguments.joined(separator: " "))`: run scripts/draw-course-pictures.sh")
        }
        // Every committed picture is in the list (none left behind by a renamed lesson).
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".svg") }.sorted()
        XCTAssertEqual(files, pictures.map(\.name).sorted())
    }

    func testEveryLessonShowsAPictureAndAsksForAPrediction() throws {
        let readme = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("Scenarios/README.md"), encoding: .utf8)
        for picture in try pictureList() {
            XCTAssertTrue(readme.contains("](pictures/\(picture.name))"), "Scenarios/README.md does not show pictures/\(picture.name)")
        }
        let lessons = readme.split(separator: "\n").filter { $0.range(of: #"^\d+\. \*\*"#, options: .regularExpression) != nil }
        XCTAssertEqual(lessons.count, 16)
        XCTAssertEqual(readme.components(separatedBy: "**Predict:**").count - 1, lessons.count, "one prediction question per lesson")
    }
}
