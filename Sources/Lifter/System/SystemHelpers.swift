import CCPU
import IR

/// The helpers system instructions are lifted to. Each takes the CPU state and raises through
/// `SystemCPU.raise`; those that load CS or the CPL leave rip set for the loop to look up.
enum SystemHelpers {
    /// Runs `body` on the system view of `cpu`, turning a thrown fault into a raised exception.
    @inline(__always)
    static func run(_ cpu: UnsafeMutableRawPointer?, _ body: (SystemCPU) throws(Fault) -> UInt64) -> UInt64 {
        guard let cpu else { return 0 }
        let system = SystemCPU(raw: cpu)
        do {
            return try body(system)
        } catch {
            system.raise(error)
            return 0
        }
    }

    static func register(_ name: String, _ arguments: Int, returns: Bool, _ flags: HelperFlags, _ f: HelperFunction) -> Int {
        Helpers.register(Helper(name: name, function: f, argumentCount: arguments, returnsValue: returns, flags: flags))
    }

    // MARK: Port I/O

    /// (port, bytes) → the value read.
    static let portIn = register("in", 2, returns: true, [.mayRaise]) { cpu, port, bytes, _, _ in
        run(cpu) { s throws(Fault) in
            try s.checkPortAccess(UInt16(truncatingIfNeeded: port), bytes: Int(bytes))
            let bus = s.sys.pointee.bus
            guard let read = bus.read else { return ~0 }
            return read(bus.context, UInt32(MIMIC_BUS_PORT), port & 0xFFFF, UInt32(bytes))
        }
    }

    /// (port, bytes, value) → 1 when the machine must stop (debug-exit, reset).
    static let portOut = register("out", 3, returns: true, [.mayRaise]) { cpu, port, bytes, value, _ in
        run(cpu) { s throws(Fault) in
            try s.checkPortAccess(UInt16(truncatingIfNeeded: port), bytes: Int(bytes))
            let bus = s.sys.pointee.bus
            guard let write = bus.write else { return 0 }
            return write(bus.context, UInt32(MIMIC_BUS_PORT), port & 0xFFFF, UInt32(bytes), value) != 0 ? 1 : 0
        }
    }

    // MARK: Control registers, MSRs, descriptor tables

    /// (n) → CRn.
    static let readControl = register("mov_from_cr", 1, returns: true, [.mayRaise]) { cpu, n, _, _, _ in
        run(cpu) { s throws(Fault) in try s.readControl(Int(n)) }
    }

    /// (n, value): CRn = value; asks for a flush of translations when code mappings may change.
    static let writeControl = register("mov_to_cr", 2, returns: false, [.mayRaise]) { cpu, n, value, _, _ in
        run(cpu) { s throws(Fault) in
            if try s.writeControl(Int(n), value) { s.sys.pointee.flush |= UInt32(MIMIC_FLUSH_CODE) }
            return 0
        }
    }

    /// EDX:EAX = MSR[ECX].
    static let readMSR = register("rdmsr", 0, returns: false, [.readsState, .writesState, .mayRaise]) { cpu, _, _, _, _ in
        run(cpu) { s throws(Fault) in
            let value = try s.readMSR(UInt32(truncatingIfNeeded: s.gpr[Int(MIMIC_RCX)]))
            s.gpr[Int(MIMIC_RAX)] = value & 0xFFFF_FFFF
            s.gpr[Int(MIMIC_RDX)] = value >> 32
            return 0
        }
    }

    /// MSR[ECX] = EDX:EAX.
    static let writeMSR = register("wrmsr", 0, returns: false, [.readsState, .writesState, .mayRaise]) { cpu, _, _, _, _ in
        run(cpu) { s throws(Fault) in
            let value = s.gpr[Int(MIMIC_RDX)] << 32 | s.gpr[Int(MIMIC_RAX)] & 0xFFFF_FFFF
            if try s.writeMSR(UInt32(truncatingIfNeeded: s.gpr[Int(MIMIC_RCX)]), value) {
                s.sys.pointee.flush |= UInt32(MIMIC_FLUSH_CODE)
            }
            return 0
        }
    }

    /// (address, operand bytes, 1 for the IDT) LGDT/LIDT.
    static let loadDescriptorTable = register("lgdt", 3, returns: false, [.mayRaise]) { cpu, address, bytes, idt, _ in
        run(cpu) { s throws(Fault) in
            try s.loadDescriptorTable(interrupts: idt != 0, from: address, operandBytes: Int(bytes))
            return 0
        }
    }

    /// (address, 1 for the IDT) SGDT/SIDT.
    static let storeDescriptorTable = register("sgdt", 2, returns: false, [.mayRaise]) { cpu, address, idt, _, _ in
        run(cpu) { s throws(Fault) in
            try s.storeDescriptorTable(interrupts: idt != 0, to: address)
            return 0
        }
    }

    /// (selector) LTR.
    static let loadTaskRegister = register("ltr", 1, returns: false, [.mayRaise]) { cpu, selector, _, _, _ in
        run(cpu) { s throws(Fault) in
            try s.loadTaskRegister(UInt16(truncatingIfNeeded: selector))
            return 0
        }
    }

    /// (selector, SegmentCheck) LAR, LSL, VERR, VERW → bit 63 set when ZF is set, with the value
    /// the instruction loads in the low 32 bits.
    static let checkSegment = register("check_segment", 2, returns: true, [.mayRaise]) { cpu, selector, check, _, _ in
        run(cpu) { s throws(Fault) in
            guard let check = SegmentCheck(rawValue: check),
                  let value = try s.checkSegment(UInt16(truncatingIfNeeded: selector), check) else { return 0 }
            return 1 << 63 | value
        }
    }

    /// (selector) LLDT.
    static let loadLocalDescriptorTable = register("lldt", 1, returns: false, [.mayRaise]) { cpu, selector, _, _, _ in
        run(cpu) { s throws(Fault) in
            try s.loadLocalDescriptorTable(UInt16(truncatingIfNeeded: selector))
            return 0
        }
    }

    /// (linear address) INVLPG: forgets the TLB (a large page spans many entries) and the
    /// translations of code.
    static let invalidatePage = register("invlpg", 1, returns: false, []) { cpu, _, _, _, _ in
        run(cpu) { s throws(Fault) in
            s.flushTLB()
            s.sys.pointee.flush |= UInt32(MIMIC_FLUSH_CODE)
            return 0
        }
    }

    /// (0 or 1) CLI/STI above IOPL: #GP(0).
    static let setInterruptFlag = register("sti", 1, returns: false, [.mayRaise]) { cpu, enable, _, _, _ in
        run(cpu) { s throws(Fault) in
            guard s.cpl <= Int(s.rflags >> 12 & 3) else { throw .gp(0) }
            s.state.pointee.eflags_rest = enable != 0 ? s.state.pointee.eflags_rest | RFLAGS.if : s.state.pointee.eflags_rest & ~RFLAGS.if
            return 0
        }
    }

    // MARK: Segments and control transfer

    /// (segment index, selector) MOV/POP to a data segment register.
    static let loadSegment = register("load_seg", 2, returns: false, [.writesState, .mayRaise]) { cpu, index, selector, _, _ in
        run(cpu) { s throws(Fault) in
            try s.loadDataSegment(Int32(index), UInt16(truncatingIfNeeded: selector))
            return 0
        }
    }

    /// (selector, offset) far JMP.
    static let farJump = register("ljmp", 2, returns: false, [.writesState, .mayRaise]) { cpu, selector, offset, _, _ in
        run(cpu) { s throws(Fault) in
            try s.farJump(selector: UInt16(truncatingIfNeeded: selector), offset: offset)
            return 0
        }
    }

    /// (selector, offset, return address, operand bytes) far CALL.
    static let farCall = register("lcall", 4, returns: false, [.readsState, .writesState, .mayRaise]) { cpu, selector, offset, back, bytes in
        run(cpu) { s throws(Fault) in
            try s.farCall(selector: UInt16(truncatingIfNeeded: selector), offset: offset, returnAddress: back, bytes: Int(bytes))
            return 0
        }
    }

    /// (operand bytes, bytes to release) far RET.
    static let farReturn = register("lret", 2, returns: false, [.readsState, .writesState, .mayRaise]) { cpu, bytes, release, _, _ in
        run(cpu) { s throws(Fault) in
            try s.farReturn(bytes: Int(bytes), release: release)
            return 0
        }
    }

    /// (operand bytes) IRET.
    static let interruptReturn = register("iret", 1, returns: false, [.readsState, .writesState, .mayRaise]) { cpu, bytes, _, _, _ in
        run(cpu) { s throws(Fault) in
            try s.interruptReturn(bytes: Int(bytes))
            return 0
        }
    }

    /// (return address) SYSCALL.
    static let systemCall = register("syscall", 1, returns: false, [.readsState, .writesState, .mayRaise]) { cpu, back, _, _, _ in
        run(cpu) { s throws(Fault) in
            try s.systemCall(returnAddress: back)
            return 0
        }
    }

    /// (operand bytes) SYSRET.
    static let systemReturn = register("sysret", 1, returns: false, [.readsState, .writesState, .mayRaise]) { cpu, bytes, _, _, _ in
        run(cpu) { s throws(Fault) in
            try s.systemReturn(bytes: Int(bytes))
            return 0
        }
    }

    /// SWAPGS: GS base ⇄ IA32_KERNEL_GS_BASE.
    static let swapGS = register("swapgs", 0, returns: false, [.readsState, .writesState]) { cpu, _, _, _, _ in
        run(cpu) { s throws(Fault) in
            let kernel = s.sys.pointee.kernel_gs_base
            s.sys.pointee.kernel_gs_base = s.state.pointee.gs_base
            s.state.pointee.gs_base = kernel
            return 0
        }
    }
}
