import XCTest
@testable import Lifter

final class LifterBuildTests: XCTestCase {
    func testGlobals() {
        XCTAssertEqual(X86Globals.layout.count, 26)
        XCTAssertEqual(X86Globals.layout.globals[16].name, "rip")
    }
}
