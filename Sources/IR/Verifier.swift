/// Checks that a block is well formed: operands present where the op needs them and of the
/// right type, nothing writes a constant, labels defined once and every branch target defined.
extension IRBlock {
    public struct VerifyError: Error, CustomStringConvertible {
        public var index: Int
        public var message: String
        public var description: String { "IR op \(index): \(message)" }
    }

    public func verify() throws {
        var defined = [Bool](repeating: false, count: labelCount)
        var used = [Int]()
        for (index, inst) in insts.enumerated() {
            func fail(_ message: String) -> VerifyError { VerifyError(index: index, message: "\(text(of: inst)): \(message)") }
            let info = inst.op.info
            for o in 0..<info.outs {
                let t = inst.output(o)
                if t.isNone {
                    if inst.op == .call { continue }
                    throw fail("missing output \(o)")
                }
                guard Int(t.index) < temps.count else { throw fail("output out of range") }
                if temps[Int(t.index)].kind == .const { throw fail("writes a constant") }
                if temps[Int(t.index)].type != inst.type { throw fail("output type differs from op type") }
            }
            for i in 0..<info.ins {
                let t = inst.input(i)
                if t.isNone {
                    if inst.op == .call { continue }
                    throw fail("missing input \(i)")
                }
                guard Int(t.index) < temps.count else { throw fail("input out of range") }
                let expected: IRType
                switch inst.op {
                case .extuI32I64, .extsI32I64: expected = .i32
                case .truncI64I32, .load, .store, .lookupAndGoto, .call:
                    expected = (inst.op == .store && i == 1) ? inst.type : .i64
                default: expected = inst.type
                }
                if inst.op == .call { continue }
                if temps[Int(t.index)].type != expected { throw fail("input \(i) should be \(expected.name)") }
            }
            if info.imm == .label {
                let label = Int(inst.imm)
                guard label >= 0, label < labelCount else { throw fail("unknown label") }
                if inst.op == .setLabel {
                    if defined[label] { throw fail("label defined twice") }
                    defined[label] = true
                } else {
                    used.append(label)
                }
            }
            if info.imm == .bitField {
                let width = inst.type.bits
                if inst.bitLength == 0 || inst.bitPosition + inst.bitLength > width { throw fail("bit field outside the type") }
            }
        }
        for label in used where !defined[label] {
            throw VerifyError(index: insts.count, message: "label $L\(label) used but not defined")
        }
    }
}
