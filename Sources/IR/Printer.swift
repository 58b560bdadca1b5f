/// Text form of the IR, in the style of QEMU's `-d op`: one op per line, globals by name,
/// constants as `$0x…`, locals as `tmpN`, and a `----` line at each guest instruction.
extension IRBlock {
    public func name(of t: Temp) -> String {
        if t.isNone { return "-" }
        let i = Int(t.index)
        if i < layout.count { return layout.globals[i].name }
        let info = temps[i]
        switch info.kind {
        case .const: return "$0x" + String(info.value, radix: 16)
        case .local: return "tmp\(i - layout.count)"
        case .global: return "g\(i)"
        }
    }

    public func text(of inst: Inst) -> String {
        let info = inst.op.info
        if inst.op == .insnStart {
            return " ---- 0x" + String(UInt64(bitPattern: inst.imm), radix: 16)
        }
        var name = inst.op.name
        switch inst.op {
        case .setLabel, .br, .gotoTB, .exitTB, .lookupAndGoto, .insnStart, .call:
            break
        default:
            name += "_" + inst.type.name
        }
        var operands: [String] = []
        for o in 0..<info.outs where !inst.output(o).isNone { operands.append(self.name(of: inst.output(o))) }
        for i in 0..<info.ins where !inst.input(i).isNone { operands.append(self.name(of: inst.input(i))) }
        if info.usesCond { operands.append(inst.cond.name) }
        if info.usesMemOp { operands.append(inst.memOp.description) }
        if info.usesWidth { operands.append("w\(inst.widthBytes * 8)") }
        switch info.imm {
        case .none: break
        case .bitField: operands.append("\(inst.bitPosition), \(inst.bitLength)")
        case .offset: operands.append("env+0x" + String(inst.imm, radix: 16))
        case .helper: name += " " + Helpers[Int(inst.imm)].name
        case .pc:
            if inst.op == .gotoTB { operands.append("$\(inst.slot), 0x" + String(UInt64(bitPattern: inst.imm), radix: 16)) }
        case .label: operands.append("$L\(inst.imm)")
        case .slot: operands.append("$\(inst.imm)")
        case .exitReason: operands.append("$\(inst.imm)")
        }
        if inst.op == .setLabel { return "$L\(inst.imm):" }
        return " " + name + (operands.isEmpty ? "" : " " + operands.joined(separator: ", "))
    }

    /// The whole block, one op per line.
    public var text: String {
        var out = ""
        for inst in insts {
            out += text(of: inst)
            out += "\n"
        }
        return out
    }
}
