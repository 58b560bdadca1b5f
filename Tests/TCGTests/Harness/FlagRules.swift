/// What one instruction does to the six status flags.
struct FlagEffect {
    /// Flags whose values the instruction uses.
    var reads: Flags = []
    /// Flags it writes with a defined value.
    var defines: Flags = []
    /// Flags the SDM calls undefined after it: the suite never compares or reads these.
    var undefines: Flags = []
    /// The instruction may leave all flags alone (a count of zero, REP with RCX = 0).
    var mayNotHappen = false

    /// The defined flags after the instruction, given those defined before.
    func apply(to defined: Flags) -> Flags {
        let after = defined.union(defines).subtracting(undefines)
        return mayNotHappen ? after.intersection(defined) : after
    }
}

/// The "Flags Affected" section of each instruction in the Intel SDM vol. 2, as data.
enum FlagRules {
    private static let all = Flags.status
    private static let logic = FlagEffect(defines: [.cf, .of, .sf, .zf, .pf], undefines: [.af])
    private static let arithmetic = FlagEffect(defines: all)
    private static let none = FlagEffect()

    static func effect(of mnemonic: Mnemonic, width: Int, count: ShiftCount, condition: Condition?,
                       repeated: Bool) -> FlagEffect {
        switch mnemonic {
        case .add, .sub, .cmp, .neg, .xadd, .cmpxchg:
            return arithmetic
        case .adc, .sbb:
            return FlagEffect(reads: [.cf], defines: all)
        case .and, .or, .xor, .test:
            return logic
        case .inc, .dec:
            // CF is not affected.
            return FlagEffect(defines: [.of, .sf, .zf, .af, .pf])
        case .not:
            return none
        case .shl, .sal, .shr, .sar:
            return shift(mnemonic, width: width, count: count)
        case .rol, .ror, .rcl, .rcr:
            return rotate(mnemonic, width: width, count: count)
        case .shld, .shrd:
            return doubleShift(width: width, count: count)
        case .mul, .imul:
            return FlagEffect(defines: [.cf, .of], undefines: [.sf, .zf, .af, .pf])
        case .div, .idiv:
            return FlagEffect(undefines: all)
        case .bt, .bts, .btr, .btc:
            // ZF is unaffected.
            return FlagEffect(defines: [.cf], undefines: [.of, .sf, .af, .pf])
        case .bsf, .bsr:
            return FlagEffect(defines: [.zf], undefines: [.cf, .of, .sf, .af, .pf])
        case .lzcnt, .tzcnt:
            return FlagEffect(defines: [.zf, .cf], undefines: [.of, .sf, .af, .pf])
        case .popcnt:
            // OF SF AF CF PF cleared, ZF from the source.
            return arithmetic
        case .cmps, .scas:
            return FlagEffect(defines: all, mayNotHappen: repeated)
        case .jcc, .setcc, .cmovcc:
            return FlagEffect(reads: condition!.reads)
        case .sahf:
            return FlagEffect(defines: [.sf, .zf, .af, .pf, .cf])
        case .lahf:
            return FlagEffect(reads: [.sf, .zf, .af, .pf, .cf])
        case .cmc:
            return FlagEffect(reads: [.cf], defines: [.cf])
        case .clc, .stc:
            return FlagEffect(defines: [.cf])
        case .andn:
            return FlagEffect(defines: [.sf, .zf, .of, .cf], undefines: [.af, .pf])
        case .bextr:
            return FlagEffect(defines: [.zf, .cf, .of], undefines: [.af, .sf, .pf])
        case .blsi, .blsr, .bzhi:
            return FlagEffect(defines: [.zf, .sf, .cf, .of], undefines: [.af, .pf])
        case .blsmsk:
            return FlagEffect(defines: [.sf, .cf, .zf, .of], undefines: [.af, .pf])
        case .adcx:
            return FlagEffect(reads: [.cf], defines: [.cf])
        case .adox:
            return FlagEffect(reads: [.of], defines: [.of])
        case .cmpxchg8b, .cmpxchg16b:
            // Only ZF.
            return FlagEffect(defines: [.zf])
        case .loope, .loopne:
            return FlagEffect(reads: [.zf])
        case .xchg, .movs, .stos, .lods, .jmp, .call, .ret, .push, .pop, .enter, .leave, .mov, .movsx,
             .movzx, .movsxd, .lea, .bswap, .cbw, .cwde, .cdqe, .cwd, .cdq, .cqo, .cld, .std, .nop, .ud2,
             .invalid, .loop, .jrcxz, .xlat, .movbe, .mulx, .pdep, .pext, .rorx, .sarx, .shlx, .shrx, .crc32:
            return none
        case .simd:
            // Set per instruction by the SIMD cases (SIMDInsn).
            return none
        }
    }

    /// The count after masking to 5 bits (6 with a 64-bit operand).
    private static func masked(_ count: Int, width: Int) -> Int { count & (width == 64 ? 63 : 31) }

    /// SAL/SAR/SHL/SHR: no flags change for a zero count; CF is the last bit out (undefined for
    /// SHL/SHR when the count reaches the operand size); OF only for 1-bit shifts; SF ZF PF
    /// from the result; AF undefined.
    private static func shift(_ mnemonic: Mnemonic, width: Int, count: ShiftCount) -> FlagEffect {
        let cfUndefinedPastWidth = mnemonic != .sar
        switch count {
        case .known(let raw):
            let n = masked(raw, width: width)
            if n == 0 { return none }
            var defines: Flags = [.sf, .zf, .pf, .cf]
            var undefines: Flags = [.af]
            if n == 1 { defines.insert(.of) } else { undefines.insert(.of) }
            if n >= width && cfUndefinedPastWidth { defines.remove(.cf); undefines.insert(.cf) }
            return FlagEffect(defines: defines, undefines: undefines)
        case .unknown:
            // A masked count can reach the operand size only for 8- and 16-bit operands.
            let cf: Flags = width < 32 && cfUndefinedPastWidth ? [] : [.cf]
            return FlagEffect(defines: cf.union([.sf, .zf, .pf]), undefines: Flags.status.subtracting(cf.union([.sf, .zf, .pf])),
                              mayNotHappen: true)
        }
    }

    /// ROL/ROR/RCL/RCR: no flags change for a zero masked count; CF otherwise; OF only for
    /// a masked count of 1; SF ZF AF PF never.
    private static func rotate(_ mnemonic: Mnemonic, width: Int, count: ShiftCount) -> FlagEffect {
        let reads: Flags = mnemonic == .rcl || mnemonic == .rcr ? [.cf] : []
        switch count {
        case .known(let raw):
            let n = masked(raw, width: width)
            if n == 0 { return none }
            return n == 1 ? FlagEffect(reads: reads, defines: [.cf, .of])
                          : FlagEffect(reads: reads, defines: [.cf], undefines: [.of])
        case .unknown:
            return FlagEffect(reads: reads, defines: [.cf], undefines: [.of], mayNotHappen: true)
        }
    }

    /// SHLD/SHRD: no flags change for a zero count; CF last bit out, SF ZF PF from the result,
    /// OF only for 1-bit shifts, AF undefined; a count beyond the operand size leaves the result
    /// and all flags undefined (the generators never produce that).
    private static func doubleShift(width: Int, count: ShiftCount) -> FlagEffect {
        switch count {
        case .known(let raw):
            let n = masked(raw, width: width)
            if n == 0 { return none }
            if n > width { return FlagEffect(undefines: all) }
            return n == 1 ? FlagEffect(defines: [.cf, .of, .sf, .zf, .pf], undefines: [.af])
                          : FlagEffect(defines: [.cf, .sf, .zf, .pf], undefines: [.of, .af])
        case .unknown:
            return FlagEffect(defines: [.cf, .sf, .zf, .pf], undefines: [.of, .af], mayNotHappen: true)
        }
    }
}

/// Follows the defined flags through a snippet's pieces.
struct FlagAnalysis {
    /// Reads of flags that may be undefined at that point: a generator bug.
    var violations: [String] = []
    /// Flags defined before every instruction: what a fault (which leaves the state as it was
    /// before the faulting instruction) may compare.
    var definedThroughout: Flags = .status
    /// Flags defined at the end.
    var definedAtEnd: Flags = .status

    init(_ pieces: [Piece], initiallyDefined: Flags = .status) {
        definedAtEnd = walk(pieces, from: initiallyDefined)
    }

    private mutating func walk(_ pieces: [Piece], from start: Flags) -> Flags {
        var defined = start
        for piece in pieces {
            switch piece {
            case .insn(let insn):
                defined = step(insn, defined)
            case .skip(let condition, let body):
                defined = step(Insn(.jcc, "", condition: condition), defined)
                defined = defined.intersection(walk(body, from: defined))
            case .loop(_, let body):
                // Iterate to the fixed point: the loop head sees the entry flags and those left
                // by every earlier iteration.
                let closing = [Insn(.dec, "ecx", width: 32), Insn(.jcc, "", condition: .ne)].map(Piece.insn)
                var head = defined
                while true {
                    var trial = self
                    trial.violations = []
                    let out = trial.walk(body + closing, from: head)
                    let next = head.intersection(out)
                    if next == head {
                        self.violations += trial.violations
                        self.definedThroughout = trial.definedThroughout
                        defined = out
                        break
                    }
                    head = next
                }
            case .subroutine(let body):
                defined = walk(body, from: defined)
            case .jumpOver, .label:
                break
            }
        }
        return defined
    }

    private mutating func step(_ insn: Insn, _ defined: Flags) -> Flags {
        definedThroughout.formIntersection(defined)
        let missing = insn.flags.reads.subtracting(defined)
        if !missing.isEmpty {
            violations.append("`\(insn.text)` reads \(missing), undefined there")
        }
        return insn.flags.apply(to: defined)
    }
}
