import CCPU
import IR
#if canImport(Glibc)
import Glibc
#endif

/// Delivering signals to the guest: between guest code and the next block, after a system
/// call returns or when the CPU raised a fault.
extension LinuxProcess {
    /// System calls that return EINTR after a handler ran even with SA_RESTART (as on Linux).
    static let neverRestarted: Set<UInt64> = [
        SyscallNumber.nanosleep, .clock_nanosleep, .poll, .ppoll, .select, .pselect6, .rt_sigsuspend,
        .pause, .rt_sigtimedwait, .restart_syscall, .epoll_wait, .epoll_pwait, .epoll_pwait2, .semop, .semtimedop,
        .msgsnd, .msgrcv,
    ].reduce(into: Set<UInt64>()) { $0.insert($1.rawValue) }

    /// Delivers every pending signal the guest does not block.
    func deliverSignals() {
        collectHostSignals()
        var handlerEntered = false
        let interrupted = interruptedSyscall
        interruptedSyscall = nil
        while true {
            let deliverable = signals.pending & ~signals.blocked
            if deliverable == 0 { break }
            let sig = Int32(deliverable.trailingZeroBitCount + 1)
            dequeueSignal(sig)
            let info = signals.pendingInfo[Int(sig)]
            let action = signals.actions[Int(sig)]
            switch action.handler {
            case GuestSigaction.ignoreHandler:
                continue
            case GuestSigaction.defaultHandler:
                takeDefaultAction(sig)
                continue
            default:
                if let number = interrupted, !handlerEntered {
                    // The system call this signal interrupted: restarted after the handler
                    // when the handler asks for it, else it returns EINTR.
                    if action.flags & GuestSigaction.restart != 0, !LinuxProcess.neverRestarted.contains(number) {
                        restartSyscall(number)
                    }
                }
                if !enterHandler(sig, action, info: info.isEmpty ? LinuxProcess.userSignalInfo(sig) : info, fault: nil) {
                    takeDefaultAction(SIGSEGV)
                }
                handlerEntered = true
            }
        }
        if let before = signals.maskBeforeSuspend {
            // rt_sigsuspend woke for a signal that ran no handler: the old mask returns.
            signals.maskBeforeSuspend = nil
            setBlockedSignals(before)
        }
        if let number = interrupted, !handlerEntered {
            // Interrupted by a signal that ran no handler: the call goes on, as on Linux.
            restartSyscall(number)
        }
    }

    /// si_code of a floating-point exception, from the unmasked exception flags (x87 status
    /// and control words, or MXCSR), in Linux's order of precedence.
    func floatingPointCode(x87: Bool) -> Int32 {
        let raised: UInt32
        if x87 {
            let (control, status) = withUnsafeBytes(of: &cpu.pointee.x87) {
                (UInt32($0.load(fromByteOffset: 0, as: UInt16.self)), UInt32($0.load(fromByteOffset: 2, as: UInt16.self)))
            }
            raised = status & ~control & 0x7F
        } else {
            let mxcsr = cpu.pointee.mxcsr
            raised = mxcsr & ~(mxcsr >> 7) & 0x3F
        }
        if raised & 0x41 != 0 { return 7 }   // FPE_FLTINV: invalid operation (or x87 stack fault)
        if raised & 0x04 != 0 { return 3 }   // FPE_FLTDIV
        if raised & 0x08 != 0 { return 4 }   // FPE_FLTOVF
        if raised & 0x12 != 0 { return 5 }   // FPE_FLTUND: underflow or denormal
        if raised & 0x20 != 0 { return 6 }   // FPE_FLTRES: precision
        return 0
    }

    /// Makes the SYSCALL instruction run again with its number in rax.
    func restartSyscall(_ number: UInt64) {
        cpu.pointee.rip -= 2
        setRegister(MIMIC_RAX, number)
    }

    /// A fault the CPU raised in guest code becomes its signal, delivered at once: to the
    /// guest's handler, or (no handler, or the signal blocked) the default action kills Mimic
    /// with it, as Linux forces it.
    func raiseFault(vector: Int, errorCode: UInt64, address: UInt64) {
        let sig: Int32, code: Int32
        var faultAddress = cpu.pointee.rip
        var trap = FaultContext(trapNumber: UInt64(vector), errorCode: 0, address: 0)
        switch Int32(vector) {
        case Int32(MIMIC_EXC_PF):
            sig = SIGSEGV
            let mapped = group.addressSpaceLock.withLock { space.mapping(containing: address) != nil }
            code = mapped ? 2 : 1  // SEGV_ACCERR, SEGV_MAPERR
            faultAddress = address
            // The error code as Linux reports it for user mode: the user bit set.
            trap.errorCode = errorCode | 4
            trap.address = address
        case Int32(MIMIC_EXC_UD):
            sig = SIGILL; code = 2  // ILL_ILLOPN
        case Int32(MIMIC_EXC_DE):
            sig = SIGFPE; code = 1  // FPE_INTDIV
        case Int32(MIMIC_EXC_BP):
            sig = SIGTRAP; code = 0x80; faultAddress = 0  // SI_KERNEL
        case Int32(MIMIC_EXC_DB):
            sig = SIGTRAP; code = 2  // TRAP_TRACE
        case 16, 19:  // #MF, #XM
            sig = SIGFPE; code = floatingPointCode(x87: vector == 16)
        case 17:  // #AC
            sig = SIGBUS; code = 1  // BUS_ADRALN
        default:  // #GP and the rest
            sig = SIGSEGV; code = 0x80; faultAddress = 0
        }
        var info = [UInt8](repeating: 0, count: 128)
        info.withUnsafeMutableBytes { b in
            b.storeBytes(of: sig, toByteOffset: 0, as: Int32.self)
            b.storeBytes(of: code, toByteOffset: 8, as: Int32.self)
            b.storeBytes(of: faultAddress, toByteOffset: 16, as: UInt64.self)
        }
        let action = signals.actions[Int(sig)]
        guard action.handler != GuestSigaction.defaultHandler, action.handler != GuestSigaction.ignoreHandler,
              signals.blocked & SignalState.bit(sig) == 0 else {
            takeDefaultAction(sig)
            return
        }
        if !enterHandler(sig, action, info: info, fault: trap) {
            takeDefaultAction(SIGSEGV)
        }
    }
}
