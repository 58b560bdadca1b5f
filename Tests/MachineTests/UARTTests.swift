import XCTest
@testable import Machine

final class UARTTests: XCTestCase {
    private var out = CapturedOutput()

    private func uart(_ input: SerialInput = NoInput()) -> UART16550 {
        out = CapturedOutput()
        return UART16550(output: out, input: input)
    }

    private func r(_ u: UART16550, _ reg: UInt64) -> UInt8 { UInt8(u.read(offset: reg, size: 1)) }
    private func w(_ u: UART16550, _ reg: UInt64, _ v: UInt8) { u.write(offset: reg, size: 1, value: UInt64(v)) }

    func testResetValues() {
        let u = uart()
        XCTAssertEqual(r(u, 1), 0x00, "IER")
        XCTAssertEqual(r(u, 2), 0x01, "IIR: no interrupt pending, FIFOs off")
        XCTAssertEqual(r(u, 3), 0x00, "LCR")
        XCTAssertEqual(r(u, 4), 0x00, "MCR")
        XCTAssertEqual(r(u, 5), 0x60, "LSR: THRE | TEMT")
        XCTAssertEqual(r(u, 6), 0xB0, "MSR: DCD, DSR, CTS")
        XCTAssertEqual(r(u, 7), 0x00, "SCR")
    }

    func testTransmitGoesToTheSink() {
        let u = uart()
        for b in "hi\n".utf8 { w(u, 0, b) }
        XCTAssertEqual(out.text, "hi\n")
        XCTAssertEqual(r(u, 5) & 0x60, 0x60, "the transmitter is empty again at once")
    }

    func testDivisorLatch() {
        let u = uart()
        w(u, 3, 0x83)             // DLAB, 8N1
        XCTAssertEqual(r(u, 0), 12, "9600 baud left by firmware")
        w(u, 0, 0x01); w(u, 1, 0x02)
        XCTAssertEqual(r(u, 0), 0x01)
        XCTAssertEqual(r(u, 1), 0x02)
        w(u, 3, 0x03)
        XCTAssertEqual(u.divisor, 0x0201)
        XCTAssertEqual(r(u, 1), 0x00, "IER again once DLAB is clear")
        w(u, 0, 0x41)
        XCTAssertEqual(out.text, "A", "with DLAB clear, offset 0 is THR")
    }

    func testScratchAndFIFOControl() {
        let u = uart()
        w(u, 7, 0x5A)
        XCTAssertEqual(r(u, 7), 0x5A)
        w(u, 2, 0xC7)
        XCTAssertEqual(r(u, 2), 0xC1, "FIFOs enabled: IIR bits 7-6 set")
        w(u, 2, 0x00)
        XCTAssertEqual(r(u, 2), 0x01)
    }

    func testReceiveAndEndOfInput() {
        let u = uart(BufferedInput("ok"))
        XCTAssertEqual(r(u, 5) & 1, 1, "data ready")
        XCTAssertEqual(r(u, 0), UInt8(ascii: "o"))
        XCTAssertEqual(r(u, 0), UInt8(ascii: "k"))
        XCTAssertEqual(r(u, 5) & 1, 1, "end of input is reported as a byte")
        XCTAssertEqual(r(u, 0), 0x04)
        XCTAssertEqual(r(u, 5), 0x60, "then the receiver stays empty")
    }

    func testInterruptIdentification() {
        let u = uart(BufferedInput("x"))
        w(u, 1, 0x01)
        XCTAssertEqual(r(u, 2), 0x04, "received data available")
        _ = r(u, 0); _ = r(u, 0)      // 'x' and end of input
        XCTAssertEqual(r(u, 2), 0x01)
        w(u, 1, 0x03)
        XCTAssertEqual(r(u, 2), 0x02, "enabling THRE with THR empty raises it")
        XCTAssertEqual(r(u, 2), 0x01, "reading IIR clears a THRE interrupt")
        w(u, 0, 0x41)
        XCTAssertEqual(r(u, 2), 0x02, "and writing THR raises it again once the byte is out")
    }

    func testLoopback() {
        let u = uart()
        w(u, 4, 0x10)
        w(u, 0, 0x55)
        XCTAssertEqual(out.bytes, [], "loopback keeps bytes off the line")
        XCTAssertEqual(r(u, 5) & 1, 1)
        XCTAssertEqual(r(u, 0), 0x55)
        _ = r(u, 6)
        w(u, 4, 0x1F)
        XCTAssertEqual(r(u, 6), 0xF0 | 0x0B, "lines follow MCR, with DCTS, DDSR and DDCD deltas")
        XCTAssertEqual(r(u, 6), 0xF0, "reading MSR clears the deltas")
    }
}
