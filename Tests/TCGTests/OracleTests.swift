import TestSupport
import XCTest

/// The native runner checked at scale against arithmetic written out from the SDM's flag
/// definitions: if the oracle mis-loads or mis-reads a register or flag, this fails first.
final class OracleTests: XCTestCase {
    private let ops: [Mnemonic] = [.add, .adc, .sub, .sbb, .and, .or, .xor, .cmp]

    func testNativeArithmeticMatchesTheDefinitions() throws {
        if let reason = Assembler.unavailableReason { throw XCTSkip(reason) }
        try NativeCPU.setUp()
        var snippets: [(Mnemonic, Int)] = []
        for op in ops { for width in Operands.widths { snippets.append((op, width)) } }
        let code = try Assembler.assemble(snippets.map { op, width in
            ["\(op) \(Operands.name(.rax, width)), \(Operands.name(.rcx, width))"]
        }).map { try $0.get() }
        let zeros = [UInt8](repeating: 0, count: Layout.dataSize)
        var random = SplitMix64(seed: 0x0AC1E)
        var failures = 0
        for ((op, width), bytes) in zip(snippets, code) {
            for _ in 0..<200 {
                var input = Operands.randomState(&random, flags: Operands.randomFlags(&random))
                let values = Operands.boundaries(width, &random)
                Operands.set(&input, .rax, width: width, random.pick(values))
                Operands.set(&input, .rcx, width: width, random.pick(values))
                let out = NativeCPU.run(code: bytes, input: input, data: zeros)
                let (expectedRAX, expectedFlags) = expected(op, width, input)
                let compared: Flags = [.and, .or, .xor].contains(op) ? [.cf, .pf, .zf, .sf, .of] : .status   // AF undefined after logic
                if out.state[.rax] != expectedRAX || out.state.flags.intersection(compared) != expectedFlags.intersection(compared) {
                    failures += 1
                    if failures <= 10 {
                        XCTFail("\(op) r\(width): rax \(hex(input[.rax])), rcx \(hex(input[.rcx])), flags \(input.flags) -> native rax \(hex(out.state[.rax])) \(out.state.flags), expected \(hex(expectedRAX)) \(expectedFlags)")
                    }
                }
            }
        }
        XCTAssertEqual(failures, 0)
    }

    /// RAX and the status flags after `op rax, rcx` at `width` bits.
    private func expected(_ op: Mnemonic, _ width: Int, _ s: MachineState) -> (UInt64, Flags) {
        let m = Operands.mask(width), sign: UInt64 = 1 << UInt64(width - 1)
        let a = s[.rax] & m, b = s[.rcx] & m
        let carryIn: UInt64 = (op == .adc || op == .sbb) && s.flags.contains(.cf) ? 1 : 0
        var flags: Flags = []
        let result: UInt64
        switch op {
        case .add, .adc:
            let (partial, carryOut) = a.addingReportingOverflow(b)
            let (sum, carryIn2) = partial.addingReportingOverflow(carryIn)
            result = sum & m
            if width == 64 ? carryOut || carryIn2 : sum > m { flags.insert(.cf) }
            if (a ^ result) & (b ^ result) & sign != 0 { flags.insert(.of) }
            if (a ^ b ^ result) & 0x10 != 0 { flags.insert(.af) }
        case .sub, .sbb, .cmp:
            result = (a &- b &- carryIn) & m
            if b > a || (b == a && carryIn == 1) { flags.insert(.cf) }
            if (a ^ b) & (a ^ result) & sign != 0 { flags.insert(.of) }
            if (a ^ b ^ result) & 0x10 != 0 { flags.insert(.af) }
        case .and: result = a & b
        case .or: result = a | b
        default: result = a ^ b
        }
        if result == 0 { flags.insert(.zf) }
        if result & sign != 0 { flags.insert(.sf) }
        if (result & 0xFF).nonzeroBitCount % 2 == 0 { flags.insert(.pf) }
        let rax: UInt64
        switch width {
        case 32, 64: rax = result                                // 32-bit writes zero-extend
        default: rax = (s[.rax] & ~m) | result                   // 8 and 16 merge
        }
        return (op == .cmp ? s[.rax] : rax, flags)
    }
}
