import CCPU
#if canImport(Glibc)
import Glibc
#endif

/// The signal frame Linux x86-64 builds on the guest stack for a handler (`struct rt_sigframe`):
///
///     +0    pretcode: sa_restorer, the handler's return address
///     +8    struct ucontext: uc_flags, uc_link, uc_stack (24 bytes), uc_mcontext (struct
///           sigcontext, 256 bytes), uc_sigmask (8 bytes)
///     +312  struct siginfo (128 bytes)
///
/// and above it, 64-byte aligned, the FXSAVE image of the x87/SSE state that
/// uc_mcontext.fpstate points at. The frame sits 8 bytes below a 16-byte boundary, as if
/// the handler had been called.
enum SignalFrame {
    static let ucontext = 8
    static let stack = ucontext + 16
    static let mcontext = ucontext + 40
    static let sigmask = ucontext + 296
    static let siginfo = ucontext + 304
    static let size = siginfo + 128
    static let fpstateSize = 512
    /// sigcontext's registers, in its order, by the CPU state's register numbers.
    static let savedRegisters: [Int] = [
        MIMIC_R8, MIMIC_R9, MIMIC_R10, MIMIC_R11, MIMIC_R12, MIMIC_R13, MIMIC_R14, MIMIC_R15,
        MIMIC_RDI, MIMIC_RSI, MIMIC_RBP, MIMIC_RBX, MIMIC_RDX, MIMIC_RAX, MIMIC_RCX, MIMIC_RSP,
    ]
    // sigcontext fields after the 16 registers, as byte offsets from mcontext.
    static let rip = 16 * 8, eflags = 17 * 8, segments = 18 * 8, err = 19 * 8, trapno = 20 * 8
    static let oldmask = 21 * 8, cr2 = 22 * 8, fpstate = 23 * 8
    /// uc_flags: UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS, as Linux sets them for 64-bit frames.
    static let ucFlags: UInt64 = 2 | 4
    /// cs 0x33 and ss 0x2b, the user segments of 64-bit Linux.
    static let segmentWord: UInt64 = 0x33 | (0x2B << 48)
    /// The smallest alternate stack that holds a frame (AT_MINSIGSTKSZ).
    static let minimumStack = 2048
    /// The red zone below rsp that the frame must not overwrite.
    static let redZone: UInt64 = 128
}

/// Why a signal is delivered when the CPU raised it: the sigcontext's trapno, err and cr2.
struct FaultContext {
    var trapNumber: UInt64
    var errorCode: UInt64
    var address: UInt64
}

extension LinuxProcess {
    /// Builds the frame for `sig` on the guest stack and points the CPU at the handler.
    /// Returns false when the frame could not be written (the caller kills the process).
    func enterHandler(_ sig: Int32, _ action: GuestSigaction, info: [UInt8], fault: FaultContext?) -> Bool {
        guard action.flags & GuestSigaction.restorerFlag != 0 else { return false }
        let rsp = register(MIMIC_RSP)
        let alternate = signals.alternateStack
        let onAlternate = alternate.contains(rsp)
        var sp = rsp &- SignalFrame.redZone
        var stackFlags = onAlternate ? AlternateStack.onStack : (alternate.isEnabled ? 0 : AlternateStack.disable)
        stackFlags |= alternate.flags & AlternateStack.autoDisarm
        if action.flags & GuestSigaction.onStack != 0, alternate.isEnabled, !onAlternate {
            sp = alternate.base &+ alternate.size
            if alternate.flags & AlternateStack.autoDisarm != 0 { signals.alternateStack = AlternateStack() }
        }
        let fpstate = (sp &- UInt64(SignalFrame.fpstateSize)) & ~63
        let frame = ((fpstate &- UInt64(SignalFrame.size)) & ~15) &- 8
        guard frame < fpstate, let base = try? writing(frame, Int(fpstate - frame) + SignalFrame.fpstateSize) else { return false }

        base.storeBytes(of: action.restorer, as: UInt64.self)
        let uc = base + SignalFrame.ucontext
        uc.storeBytes(of: SignalFrame.ucFlags, as: UInt64.self)
        uc.storeBytes(of: UInt64(0), toByteOffset: 8, as: UInt64.self)
        let ss = base + SignalFrame.stack
        ss.storeBytes(of: alternate.base, as: UInt64.self)
        ss.storeBytes(of: UInt64(UInt32(bitPattern: stackFlags)), toByteOffset: 8, as: UInt64.self)
        ss.storeBytes(of: alternate.size, toByteOffset: 16, as: UInt64.self)
        let mc = base + SignalFrame.mcontext
        for (i, r) in SignalFrame.savedRegisters.enumerated() {
            mc.storeBytes(of: register(r), toByteOffset: 8 * i, as: UInt64.self)
        }
        let oldMask = signals.maskBeforeSuspend ?? signals.blocked
        signals.maskBeforeSuspend = nil
        mc.storeBytes(of: cpu.pointee.rip, toByteOffset: SignalFrame.rip, as: UInt64.self)
        mc.storeBytes(of: rflags, toByteOffset: SignalFrame.eflags, as: UInt64.self)
        mc.storeBytes(of: SignalFrame.segmentWord, toByteOffset: SignalFrame.segments, as: UInt64.self)
        mc.storeBytes(of: fault?.errorCode ?? 0, toByteOffset: SignalFrame.err, as: UInt64.self)
        mc.storeBytes(of: fault?.trapNumber ?? 0, toByteOffset: SignalFrame.trapno, as: UInt64.self)
        mc.storeBytes(of: oldMask, toByteOffset: SignalFrame.oldmask, as: UInt64.self)
        mc.storeBytes(of: fault?.address ?? 0, toByteOffset: SignalFrame.cr2, as: UInt64.self)
        mc.storeBytes(of: fpstate, toByteOffset: SignalFrame.fpstate, as: UInt64.self)
        for i in 0..<8 { mc.storeBytes(of: UInt64(0), toByteOffset: SignalFrame.fpstate + 8 + 8 * i, as: UInt64.self) }
        (base + SignalFrame.sigmask).storeBytes(of: oldMask, as: UInt64.self)
        info.withUnsafeBytes { (base + SignalFrame.siginfo).copyMemory(from: $0.baseAddress!, byteCount: 128) }
        saveFloatingPoint(to: base + Int(fpstate - frame))

        // The handler's registers: the signal, its siginfo and ucontext as arguments, a fresh
        // FPU, DF and TF clear.
        setRegister(MIMIC_RDI, UInt64(sig))
        setRegister(MIMIC_RSI, frame + UInt64(SignalFrame.siginfo))
        setRegister(MIMIC_RDX, frame + UInt64(SignalFrame.ucontext))
        setRegister(MIMIC_RAX, 0)
        setRegister(MIMIC_RSP, frame)
        cpu.pointee.rip = action.handler
        setRFLAGS(rflags & ~(UInt64(0x400) | 0x100))
        resetFloatingPoint()

        var mask = signals.blocked | action.mask
        if action.flags & GuestSigaction.noDefer == 0 { mask |= SignalState.bit(sig) }
        setBlockedSignals(mask)
        if action.flags & GuestSigaction.resetHandler != 0 {
            signals.actions[Int(sig)] = GuestSigaction()
            mirrorDisposition(sig)
        }
        return true
    }

    /// rt_sigreturn: restores what `enterHandler` saved from the frame at rsp - 8.
    func returnFromHandler() {
        let frame = register(MIMIC_RSP) &- 8
        guard let base = try? reading(frame, SignalFrame.size) else {
            takeDefaultAction(SIGSEGV)
            return
        }
        let mc = base + SignalFrame.mcontext
        for (i, r) in SignalFrame.savedRegisters.enumerated() {
            setRegister(r, mc.load(fromByteOffset: 8 * i, as: UInt64.self))
        }
        cpu.pointee.rip = mc.load(fromByteOffset: SignalFrame.rip, as: UInt64.self)
        setRFLAGS(mc.load(fromByteOffset: SignalFrame.eflags, as: UInt64.self))
        let fpstate = mc.load(fromByteOffset: SignalFrame.fpstate, as: UInt64.self)
        if fpstate != 0 {
            guard let image = try? reading(fpstate, SignalFrame.fpstateSize) else {
                takeDefaultAction(SIGSEGV)
                return
            }
            restoreFloatingPoint(from: image)
        } else {
            resetFloatingPoint()
        }
        setBlockedSignals((base + SignalFrame.sigmask).load(as: UInt64.self))
        let ss = base + SignalFrame.stack
        _ = try? setAlternateStack(base: ss.load(as: UInt64.self), flags: Int32(truncatingIfNeeded: ss.load(fromByteOffset: 8, as: UInt64.self)),
                                   size: ss.load(fromByteOffset: 16, as: UInt64.self))
    }

    // MARK: The FXSAVE image

    static let mxcsrOffset = 24, mxcsrMaskOffset = 28, xmmOffset = 160

    func saveFloatingPoint(to image: UnsafeMutableRawPointer) {
        withUnsafeBytes(of: &cpu.pointee.x87) { image.copyMemory(from: $0.baseAddress!, byteCount: 512) }
        image.storeBytes(of: cpu.pointee.mxcsr, toByteOffset: LinuxProcess.mxcsrOffset, as: UInt32.self)
        image.storeBytes(of: UInt32(0xFFFF), toByteOffset: LinuxProcess.mxcsrMaskOffset, as: UInt32.self)
        withUnsafeBytes(of: &cpu.pointee.xmm) { (image + LinuxProcess.xmmOffset).copyMemory(from: $0.baseAddress!, byteCount: 256) }
        // The software-reserved bytes say "no extended state" (no FP_XSTATE_MAGIC1).
        (image + 464).initializeMemory(as: UInt8.self, repeating: 0, count: 48)
    }

    func restoreFloatingPoint(from image: UnsafeMutableRawPointer) {
        withUnsafeMutableBytes(of: &cpu.pointee.x87) { $0.baseAddress!.copyMemory(from: image, byteCount: 512) }
        // Reserved MXCSR bits would make the next LDMXCSR fault: keep the defined ones.
        cpu.pointee.mxcsr = image.load(fromByteOffset: LinuxProcess.mxcsrOffset, as: UInt32.self) & 0xFFFF
        withUnsafeMutableBytes(of: &cpu.pointee.xmm) { $0.baseAddress!.copyMemory(from: image + LinuxProcess.xmmOffset, byteCount: 256) }
    }

    /// The FPU as a signal handler finds it: as FNINIT and the default MXCSR leave it.
    func resetFloatingPoint() {
        withUnsafeMutableBytes(of: &cpu.pointee.x87) { x87 in
            x87.initializeMemory(as: UInt8.self, repeating: 0)
            x87.storeBytes(of: UInt16(0x037F), toByteOffset: 0, as: UInt16.self)
            x87.storeBytes(of: UInt32(0x1F80), toByteOffset: 24, as: UInt32.self)
        }
        cpu.pointee.mxcsr = 0x1F80
        _ = withUnsafeMutableBytes(of: &cpu.pointee.xmm) { $0.initializeMemory(as: UInt8.self, repeating: 0) }
    }
}
