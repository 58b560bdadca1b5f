import CNativeRunner
import XCTest

/// The oracle's own tests: the native runner and the assembler must be right before any
/// differential result means anything. Instruction bytes here are hand-encoded, so these tests
/// need no assembler.
final class NativeRunnerTests: XCTestCase {
    private let zeros = [UInt8](repeating: 0, count: Layout.dataSize)

    override func setUpWithError() throws {
        try NativeCPU.setUp()
    }

    private func state(_ registers: [GPR: UInt64] = [:], flags: Flags = []) -> MachineState {
        var s = MachineState()
        for (i, r) in GPR.allCases.enumerated() { s[r] = 0x1111_0000_0000_0000 &* UInt64(i) }
        s[.rsp] = Layout.stackTop
        for (r, v) in registers { s[r] = v }
        s.flags = flags
        return s
    }

    func testEmptySnippetKeepsEveryRegisterAndFlag() {
        for flags: Flags in [[], .compared, [.cf, .zf, .df], [.of, .sf, .af, .pf]] {
            let input = state(flags: flags)
            let out = NativeCPU.run(code: [], input: input, data: zeros)
            XCTAssertEqual(out.stop, .end)
            XCTAssertEqual(out.state.gpr, input.gpr)
            XCTAssertEqual(out.state.flags, flags)
            XCTAssertEqual(out.state.rip, Layout.code + 1, "end rip maps to after Mimic's HLT")
        }
    }

    func testAddSetsSumAndFlags() {
        // add rax, rbx
        let out = NativeCPU.run(code: [0x48, 0x01, 0xD8], input: state([.rax: ~0, .rbx: 1]), data: zeros)
        XCTAssertEqual(out.stop, .end)
        XCTAssertEqual(out.state[.rax], 0)
        XCTAssertEqual(out.state.flags, [.cf, .pf, .af, .zf])
        XCTAssertEqual(out.state.rip, Layout.code + 4)

        let overflow = NativeCPU.run(code: [0x48, 0x01, 0xD8], input: state([.rax: 0x7FFF_FFFF_FFFF_FFFF, .rbx: 1]), data: zeros)
        XCTAssertEqual(overflow.state[.rax], 0x8000_0000_0000_0000)
        XCTAssertEqual(overflow.state.flags, [.pf, .af, .sf, .of])
    }

    func testCarryInReachesTheSnippet() {
        // adc eax, 0 (83 D0 00) with CF = 1
        let out = NativeCPU.run(code: [0x83, 0xD0, 0x00], input: state([.rax: 41], flags: [.cf]), data: zeros)
        XCTAssertEqual(out.state[.rax], 42)
    }

    func testStoresAndPushesLandInTheDataRegion() {
        // mov [rbx], rax; push rcx
        let input = state([.rax: 0x0102_0304_0506_0708, .rbx: Layout.data + 0x10, .rcx: 0xAABB])
        let out = NativeCPU.run(code: [0x48, 0x89, 0x03, 0x51], input: input, data: zeros)
        XCTAssertEqual(out.stop, .end)
        XCTAssertEqual(Array(out.data[0x10..<0x18]), [8, 7, 6, 5, 4, 3, 2, 1])
        XCTAssertEqual(out.state[.rsp], Layout.stackTop - 8)
        let pushed = Int(Layout.stackTop - 8 - Layout.data)
        XCTAssertEqual(Array(out.data[pushed..<pushed + 2]), [0xBB, 0xAA])
    }

    func testFlagsImageSitsBelowTheInitialStack() {
        // mov rax, [rsp - 8]
        let input = state(flags: [.cf, .df])
        let out = NativeCPU.run(code: [0x48, 0x8B, 0x44, 0x24, 0xF8], input: input, data: zeros)
        XCTAssertEqual(out.state[.rax], input.flags.rflagsImage)
        let testCase = TestCase("image", [Insn](), input: input)
        let at = Int(Layout.stackTop - 8 - Layout.data)
        XCTAssertEqual(Array(testCase.initialData(from: zeros)[at..<at + 8]), Array(out.data[at..<at + 8]))
    }

    func testUndefinedOpcodeIsInvalidOpcodeAtItsAddress() {
        // inc eax; ud2
        let out = NativeCPU.run(code: [0xFF, 0xC0, 0x0F, 0x0B], input: state([.rax: 1]), data: zeros)
        XCTAssertEqual(out.stop, .fault(vector: 6, address: nil))
        XCTAssertEqual(out.state.rip, Layout.code + 2)
        XCTAssertEqual(out.state[.rax], 2, "effects before the fault are kept")
    }

    func testDivideByZeroIsDivideError() {
        // div rcx
        let out = NativeCPU.run(code: [0x48, 0xF7, 0xF1], input: state([.rcx: 0]), data: zeros)
        XCTAssertEqual(out.stop, .fault(vector: 0, address: nil))
        XCTAssertEqual(out.state.rip, Layout.code)
    }

    func testUnmappedLoadIsPageFaultWithAddress() {
        XCTAssertEqual(native_address_is_mapped(Layout.unmapped), 0, "the fault address must be unmapped natively")
        // mov rax, [rbx + 8]
        let out = NativeCPU.run(code: [0x48, 0x8B, 0x43, 0x08], input: state([.rbx: Layout.unmapped]), data: zeros)
        XCTAssertEqual(out.stop, .fault(vector: 14, address: Layout.unmapped + 8))
        XCTAssertEqual(out.state.rip, Layout.code)
        XCTAssertEqual(out.state[.rbx], Layout.unmapped)
    }

    func testRunsAreIndependent() {
        // After a fault, the next run works normally.
        _ = NativeCPU.run(code: [0x0F, 0x0B], input: state(), data: zeros)
        let out = NativeCPU.run(code: [0x48, 0x01, 0xD8], input: state([.rax: 2, .rbx: 3]), data: zeros)
        XCTAssertEqual(out.stop, .end)
        XCTAssertEqual(out.state[.rax], 5)
    }

    func testAssemblerProducesBytesPerSnippet() throws {
        if let reason = Assembler.unavailableReason { throw XCTSkip(reason) }
        let results = try Assembler.assemble([["add rax, rbx"], ["jz 10f", "nop", "10:"], ["bogus rax"], ["ud2"],
                                              ["jmp 19f"], ["nop"]])
        XCTAssertEqual(try results[0].get(), [0x48, 0x01, 0xD8])
        XCTAssertEqual(try results[1].get(), [0x74, 0x01, 0x90])
        XCTAssertThrowsError(try results[2].get(), "a line-numbered error blames its snippet")
        XCTAssertEqual(try results[3].get(), [0x0F, 0x0B])
        XCTAssertThrowsError(try results[4].get(), "an undefined label is found by splitting the batch")
        XCTAssertEqual(try results[5].get(), [0x90])
    }

    func testFlagRulesFollowBranchesAndLoops() {
        let mulThenAdc: [Piece] = [.insn(Insn(.mul, "rcx")), .insn(Insn(.adc, "rax, 1"))]
        XCTAssertTrue(FlagAnalysis(mulThenAdc).violations.isEmpty, "MUL defines CF")
        let shiftThenJo: [Piece] = [.insn(Insn(.shl, "eax, 3", width: 32, count: .known(3))),
                                    .insn(Insn(.jcc, "1f", condition: .o))]
        XCTAssertFalse(FlagAnalysis(shiftThenJo).violations.isEmpty, "OF is undefined after a 3-bit shift")
        let loop: [Piece] = [.loop(times: 3, [.insn(Insn(.adc, "eax, 1", width: 32)), .insn(Insn(.bt, "eax, 3", width: 32))])]
        let analysis = FlagAnalysis(loop)
        XCTAssertTrue(analysis.violations.isEmpty)
        XCTAssertEqual(analysis.definedAtEnd, [.cf, .zf, .sf, .of, .pf, .af], "DEC after BT defines the rest")
        let skip: [Piece] = [.skip(.e, [.insn(Insn(.imul, "eax, ecx", width: 32))])]
        XCTAssertEqual(FlagAnalysis(skip).definedAtEnd, [.cf, .of])
    }
}
