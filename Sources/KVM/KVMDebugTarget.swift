#if canImport(Glibc)
import Glibc
#endif
import CKVM
import GDBStub
import Machine

/// A KVM guest as the gdb stub sees it. KVM runs the guest; KVM_SET_GUEST_DEBUG makes it
/// come back: after one instruction (KVM_GUESTDBG_SINGLESTEP), at an INT3 the stub wrote over
/// an instruction (KVM_GUESTDBG_USE_SW_BP: #BP exits instead of reaching the guest), or at an
/// address in DR0-DR3 (KVM_GUESTDBG_USE_HW_BP); each is a KVM_EXIT_DEBUG with the vector.
/// Registers are KVM_GET/SET_REGS, SREGS and FPU; memory is read through the guest's page
/// tables from the machine's RAM.
///
/// On PVM (the kvm_pvm module) ring-0 guest code is emulated and ring-3 code runs natively:
/// single steps and DR0-DR3 work in ring 0 only, and an INT3 neither exits in ring 3 (the guest
/// takes the #BP) nor can be emulated in ring 0. There gdb's software breakpoints use debug
/// registers too (four in all), and a breakpoint in ring-3 code is refused with a notice.
public final class KVMDebugTarget: DebugTarget {
    let guest: KVMGuest
    private var vcpu: KVMVirtualCPU { guest.vcpu }

    /// The machine exit the run ended with, once it ended.
    public private(set) var finalExit: MachineExit?
    /// KVM itself failed (an ioctl, an internal error): the run ends with this.
    public private(set) var failure: KVMError?

    /// Software breakpoints: linear address → the guest physical byte replaced by INT3 and its value.
    private var softwareBreakpoints: [UInt64: (physical: UInt64, original: UInt8)] = [:]
    /// Hardware breakpoints, at most four (DR0-DR3).
    private var hardwareBreakpoints: [UInt64] = []
    /// Whether /dev/kvm is PVM (see above).
    public let isPVM = access("/sys/module/kvm_pvm", F_OK) == 0
    /// Told why a breakpoint was refused or will not be hit (one line).
    public var notice: (String) -> Void = { _ in }
    /// PVM: breakpoints set while paging was off and since found in ring-3 pages (told once).
    private var toldUserBreakpoints: Set<UInt64> = []

    static let int3: UInt8 = 0xCC
    static let debugVector: UInt32 = 1, breakpointVector: UInt32 = 3
    /// DR6: B0-B3 (which DRn matched) and BS (single step).
    static let dr6Matched: UInt64 = 0xF, dr6SingleStep: UInt64 = 1 << 14

    /// Turns guest debugging on; throws (with the ioctl that failed) when this KVM cannot.
    public init(_ guest: KVMGuest) throws(KVMError) {
        self.guest = guest
        try vcpu.setGuestDebug(control: UInt32(KVM_GUESTDBG_ENABLE))
    }

    /// The flags and debug registers for the breakpoints set now.
    private func applyDebug(singleStep: Bool) throws(KVMError) {
        var control = UInt32(KVM_GUESTDBG_ENABLE)
        if singleStep { control |= UInt32(KVM_GUESTDBG_SINGLESTEP) }
        if !softwareBreakpoints.isEmpty { control |= UInt32(KVM_GUESTDBG_USE_SW_BP) }
        var debugRegisters = [UInt64](repeating: 0, count: 8)
        if !hardwareBreakpoints.isEmpty {
            control |= UInt32(KVM_GUESTDBG_USE_HW_BP)
            for (i, address) in hardwareBreakpoints.enumerated() {
                debugRegisters[i] = address
                // DR7: Ln enables DRn; R/Wn = 00 and LENn = 00 break on instruction execution.
                debugRegisters[7] |= 1 << (2 * UInt64(i))
            }
        }
        try vcpu.setGuestDebug(control: control, debugRegisters: debugRegisters)
    }

    // MARK: Registers

    public func readRegisters() -> DebugRegisters {
        var r = DebugRegisters()
        guard let regs = attempt({ () throws(KVMError) in try vcpu.registers() }),
              let sregs = attempt({ () throws(KVMError) in try vcpu.specialRegisters() }),
              let fpu = attempt({ () throws(KVMError) in try vcpu.floatingPoint() }) else { return r }
        r.gpr = [regs.rax, regs.rcx, regs.rdx, regs.rbx, regs.rsp, regs.rbp, regs.rsi, regs.rdi,
                 regs.r8, regs.r9, regs.r10, regs.r11, regs.r12, regs.r13, regs.r14, regs.r15]
        r.rip = regs.rip
        r.eflags = UInt32(truncatingIfNeeded: regs.rflags)
        r.segments = [sregs.cs, sregs.ss, sregs.ds, sregs.es, sregs.fs, sregs.gs].map { UInt32($0.selector) }
        r.fsBase = sregs.fs.base
        r.gsBase = sregs.gs.base
        withUnsafeBytes(of: fpu.fpr) { fpr in r.st = (0..<8).map { Array(fpr[16 * $0 ..< 16 * $0 + 10]) } }
        // ftwx is the FXSAVE abridged tag (bit set: register in use); gdb shows the full tag.
        let tag = (0..<8).reduce(UInt32(0)) { $0 | (fpu.ftwx >> UInt8($1) & 1 == 1 ? 0 : 3) << UInt32(2 * $1) }
        r.x87Control = [UInt32(fpu.fcw), UInt32(fpu.fsw), tag, 0, UInt32(truncatingIfNeeded: fpu.last_ip), 0,
                        UInt32(truncatingIfNeeded: fpu.last_dp), UInt32(fpu.last_opcode)]
        withUnsafeBytes(of: fpu.xmm) { xmm in
            r.xmm = (0..<16).map { [xmm.load(fromByteOffset: 16 * $0, as: UInt64.self), xmm.load(fromByteOffset: 16 * $0 + 8, as: UInt64.self)] }
        }
        r.mxcsr = fpu.mxcsr
        return r
    }

    public func writeRegisters(_ r: DebugRegisters) {
        guard var regs = attempt({ () throws(KVMError) in try vcpu.registers() }),
              var sregs = attempt({ () throws(KVMError) in try vcpu.specialRegisters() }),
              var fpu = attempt({ () throws(KVMError) in try vcpu.floatingPoint() }) else { return }
        (regs.rax, regs.rcx, regs.rdx, regs.rbx, regs.rsp, regs.rbp, regs.rsi, regs.rdi) =
            (r.gpr[0], r.gpr[1], r.gpr[2], r.gpr[3], r.gpr[4], r.gpr[5], r.gpr[6], r.gpr[7])
        (regs.r8, regs.r9, regs.r10, regs.r11, regs.r12, regs.r13, regs.r14, regs.r15) =
            (r.gpr[8], r.gpr[9], r.gpr[10], r.gpr[11], r.gpr[12], r.gpr[13], r.gpr[14], r.gpr[15])
        regs.rip = r.rip
        // Bits 63:32 of RFLAGS are reserved (zero); bit 1 is always set.
        regs.rflags = UInt64(r.eflags) | 2
        _ = attempt { () throws(KVMError) in try vcpu.setRegisters(regs) }
        // Selectors stay: loading one means reading its descriptor, which gdb cannot ask for.
        if sregs.fs.base != r.fsBase || sregs.gs.base != r.gsBase {
            sregs.fs.base = r.fsBase
            sregs.gs.base = r.gsBase
            _ = attempt { () throws(KVMError) in try vcpu.setSpecialRegisters(sregs) }
        }
        withUnsafeMutableBytes(of: &fpu.fpr) { fpr in for i in 0..<8 { for j in 0..<10 { fpr[16 * i + j] = r.st[i][j] } } }
        fpu.fcw = UInt16(truncatingIfNeeded: r.x87Control[0])
        fpu.fsw = UInt16(truncatingIfNeeded: r.x87Control[1])
        withUnsafeMutableBytes(of: &fpu.xmm) { xmm in
            for i in 0..<16 {
                xmm.storeBytes(of: r.xmm[i][0], toByteOffset: 16 * i, as: UInt64.self)
                xmm.storeBytes(of: r.xmm[i][1], toByteOffset: 16 * i + 8, as: UInt64.self)
            }
        }
        fpu.mxcsr = r.mxcsr
        _ = attempt { () throws(KVMError) in try vcpu.setFloatingPoint(fpu) }
    }

    // MARK: Memory

    /// Guest memory through the page tables the vCPU has now.
    private var memory: PagedMemory? {
        guard let s = attempt({ () throws(KVMError) in try vcpu.specialRegisters() }) else { return nil }
        return PagedMemory(cr0: s.cr0, cr3: s.cr3, cr4: s.cr4, efer: s.efer, ram: guest.machine.ram.base, ramSize: guest.machine.ram.size)
    }

    /// What gdb reads is the guest's own code: the bytes under the stub's INT3s show through.
    public func readMemory(at address: UInt64, count: Int) -> [UInt8]? {
        guard var bytes = memory?.read(at: address, count: count) else { return nil }
        for (linear, breakpoint) in softwareBreakpoints where linear >= address && linear - address < UInt64(count) {
            bytes[Int(linear - address)] = breakpoint.original
        }
        return bytes
    }

    public func writeMemory(at address: UInt64, _ bytes: [UInt8]) -> Bool {
        guard let memory else { return false }
        var bytes = bytes
        // A write over a breakpoint changes the byte it restores; the INT3 stays.
        for (linear, breakpoint) in softwareBreakpoints where linear >= address && linear - address < UInt64(bytes.count) {
            softwareBreakpoints[linear] = (breakpoint.physical, bytes[Int(linear - address)])
            bytes[Int(linear - address)] = Self.int3
        }
        return memory.write(at: address, bytes)
    }

    // MARK: Breakpoints

    public func insertBreakpoint(at address: UInt64, hardware: Bool) -> Bool {
        if isPVM {
            if memory?.isUserPage(address) == true {
                notice("gdb stub: no breakpoint at 0x\(String(address, radix: 16)): \(Self.pvmRing3)")
                return false
            }
            guard hardwareBreakpoints.contains(address) || hardwareBreakpoints.count < 4 else {
                notice("gdb stub: no breakpoint at 0x\(String(address, radix: 16)): PVM breakpoints use DR0-DR3, and all four are set")
                return false
            }
        }
        if hardware || isPVM {
            guard hardwareBreakpoints.contains(address) || hardwareBreakpoints.count < 4 else { return false }
            if !hardwareBreakpoints.contains(address) { hardwareBreakpoints.append(address) }
            return true
        }
        guard softwareBreakpoints[address] == nil else { return true }
        guard let memory, let physical = memory.physical(address), physical < guest.machine.ram.size else { return false }
        let byte = guest.machine.ram.base + Int(physical)
        softwareBreakpoints[address] = (physical, byte.load(as: UInt8.self))
        byte.storeBytes(of: Self.int3, as: UInt8.self)
        return true
    }

    public func removeBreakpoint(at address: UInt64, hardware: Bool) -> Bool {
        if hardware || isPVM {
            hardwareBreakpoints.removeAll { $0 == address }
            return true
        }
        guard let breakpoint = softwareBreakpoints.removeValue(forKey: address) else { return true }
        (guest.machine.ram.base + Int(breakpoint.physical)).storeBytes(of: breakpoint.original, as: UInt8.self)
        return true
    }

    static let pvmRing3 = "it is ring-3 code, which PVM runs natively without debug exits"

    /// PVM: says which breakpoints, set before paging was on, turn out to be in ring-3 code.
    private func tellUnreachableBreakpoints() {
        guard isPVM, let memory else { return }
        for address in hardwareBreakpoints where !toldUserBreakpoints.contains(address) && memory.isUserPage(address) == true {
            toldUserBreakpoints.insert(address)
            notice("gdb stub: the breakpoint at 0x\(String(address, radix: 16)) will not be hit: \(Self.pvmRing3)")
        }
    }

    public func detach() {
        for address in Array(softwareBreakpoints.keys) { _ = removeBreakpoint(at: address, hardware: false) }
        hardwareBreakpoints = []
        _ = attempt { () throws(KVMError) in try applyDebug(singleStep: false) }
    }

    // MARK: Running

    public func step() -> DebugStop {
        guard failure == nil, finalExit == nil else { return ended }
        let rip = attempt({ () throws(KVMError) in try vcpu.registers().rip }) ?? 0
        // The instruction under an INT3 of ours runs as itself.
        let lifted = softwareBreakpoints[rip]
        if let lifted { (guest.machine.ram.base + Int(lifted.physical)).storeBytes(of: lifted.original, as: UInt8.self) }
        defer {
            if let lifted, softwareBreakpoints[rip] != nil {
                (guest.machine.ram.base + Int(lifted.physical)).storeBytes(of: Self.int3, as: UInt8.self)
            }
        }
        return run(singleStep: true, interrupted: { false })
    }

    public func resume(interrupted: () -> Bool) -> DebugStop {
        guard failure == nil, finalExit == nil else { return ended }
        let rip = attempt({ () throws(KVMError) in try vcpu.registers().rip }) ?? 0
        if softwareBreakpoints[rip] != nil || hardwareBreakpoints.contains(rip) {
            // Off the breakpoint first, or it would stop the guest where it is.
            let stop = step()
            guard stop == .stepped else { return stop }
            let next = attempt({ () throws(KVMError) in try vcpu.registers().rip }) ?? 0
            if softwareBreakpoints[next] != nil || hardwareBreakpoints.contains(next) { return .breakpoint }
        }
        tellUnreachableBreakpoints()
        let kicker = VCPUKicker()
        defer { kicker.stop() }
        return run(singleStep: false, interrupted: interrupted)
    }

    /// Enters the guest until a debug exit that is the stub's, the machine's end, or a kick
    /// after which `interrupted()` is true.
    private func run(singleStep: Bool, interrupted: () -> Bool) -> DebugStop {
        do {
            try applyDebug(singleStep: singleStep)
            while true {
                switch try guest.enter() {
                case .exit(let exit):
                    finalExit = exit
                    return ended
                case .signalled:
                    if interrupted() { return .interrupted }
                case .debug(let arch):
                    if let stop = try debugStop(arch, singleStep: singleStep) { return stop }
                }
            }
        } catch {
            failure = error
            return ended
        }
    }

    /// What a KVM_EXIT_DEBUG means for gdb; nil when the guest goes on.
    private func debugStop(_ arch: kvm_debug_exit_arch, singleStep: Bool) throws(KVMError) -> DebugStop? {
        switch arch.exception {
        case Self.breakpointVector:
            var regs = try vcpu.registers()
            // Where KVM leaves rip after the INT3 differs between implementations: at the INT3
            // (VMX, SVM) or past it; gdb wants the breakpoint's address.
            if softwareBreakpoints[regs.rip] == nil, regs.rip > 0, softwareBreakpoints[regs.rip - 1] != nil {
                regs.rip -= 1
                try vcpu.setRegisters(regs)
            }
            // An INT3 of the guest's own while gdb has breakpoints: gdb sees SIGTRAP.
            return softwareBreakpoints[regs.rip] != nil ? .breakpoint : .signal(5)
        case Self.debugVector:
            if arch.dr6 & Self.dr6Matched != 0 { return .breakpoint }
            if singleStep { return .stepped }
            return nil
        default:
            return .signal(5)
        }
    }

    /// The stop gdb is told once the run ended: the guest's exit status.
    private var ended: DebugStop {
        .exited(finalExit?.status ?? MachineExit.crashStatus)
    }

    private func attempt<T>(_ body: () throws(KVMError) -> T) -> T? {
        do { return try body() } catch {
            failure = failure ?? error
            return nil
        }
    }
}
