import CCPU
import CFFI

/// The way into and out of generated code, assembled once at the start of the code buffer:
///
///     enter(cpu, code):                     epilogue (rax = return value):
///       push rbp, rbx, r12, r13, r14, r15     add rsp, frameSize
///       sub  rsp, frameSize                   pop  r15, r14, r13, r12, rbx, rbp
///       mov  r14, rdi          ; cpu          ret
///       mov  r15, [rdi + mem_base]
///       jmp  rsi               ; code
///
/// Generated code runs inside this frame: rsp stays 16-byte aligned (so helper calls need no
/// adjustment), spill slots are `[rsp + 8*i]`, r14 is the CPU state and r15 guest memory.
/// Every exit path sets rax and jumps to the epilogue, directly or through one of the shared
/// exits that follow it (so that each block's exception stubs stay small):
///
///     pageFaultRead / pageFaultWrite:       raised (a helper raised):     pcExit (a goto_tb not
///       fault_address = rdi                   rip = rsi                     chained yet):
///       rip = rsi                             rax = MIMIC_EXIT_EXCEPTION      rip = rsi
///       exception = #PF, error_code = 0 / W   jmp epilogue                  jmp epilogue
///       rax = MIMIC_EXIT_EXCEPTION
///       jmp epilogue
///
/// The two exception exits set rax without the block's index: the runtime needs it only to
/// chain blocks, and a host fault in generated code arrives without it too.
///
/// `enter` is called through libffi with a prepared call interface, as the design asks; the
/// argument values live on the caller's stack, so threads share one trampoline.
public final class EntryTrampoline {
    /// 8-byte spill slots available to a block.
    public static let spillSlots = 4096
    /// The frame below the saved registers: the spill area plus 8 bytes that restore the
    /// 16-byte alignment lost to the return address and six pushes.
    static let frameSize = Int32(spillSlots * 8 + 8)

    public let enterAddress: UnsafeRawPointer
    public let epilogueAddress: UnsafeRawPointer
    /// The shared exits of a guest page fault on a read or a write, of a helper that raised,
    /// and the one that only sets rip.
    public let pageFaultReadAddress: UnsafeRawPointer
    public let pageFaultWriteAddress: UnsafeRawPointer
    public let raisedAddress: UnsafeRawPointer
    public let pcExitAddress: UnsafeRawPointer

    private let cif: UnsafeMutablePointer<ffi_cif>
    private let argumentTypes: UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>

    static let calleeSaved: [GPR] = [.rbp, .rbx, .r12, .r13, .r14, .r15]

    public init(buffer: CodeBuffer) throws {
        var e = X86Encoder(origin: UInt(bitPattern: buffer.nextAddress))
        for r in Self.calleeSaved { e.push(r) }
        e.alu(.sub, .b64, .rsp, imm: Self.frameSize)
        e.mov(.b64, .r14, .rdi)
        e.mov(.b64, .r15, Mem(.rdi, Int32(MemoryLayout<MimicCPUState>.offset(of: \.mem_base)!)))
        e.jmp(.rsi)
        e.align(16)
        let epilogue = e.newLabel()
        e.bind(epilogue)
        e.alu(.add, .b64, .rsp, imm: Self.frameSize)
        for r in Self.calleeSaved.reversed() { e.pop(r) }
        e.ret()
        var pageFault = (0, 0)
        for write in [false, true] {
            if write { pageFault.1 = e.offset } else { pageFault.0 = e.offset }
            e.mov(.b64, Mem(.r14, StateField.faultAddress), .rdi)
            e.mov(.b64, Mem(.r14, StateField.rip), .rsi)
            e.mov(.b64, Mem(.r14, StateField.exception), imm: Int32(MIMIC_EXC_PF))
            e.mov(.b64, Mem(.r14, StateField.errorCode), imm: write ? 2 : 0)
            e.movImm32(.rax, UInt32(MIMIC_EXIT_EXCEPTION))
            e.jmp(epilogue)
        }
        let raised = e.offset
        e.mov(.b64, Mem(.r14, StateField.rip), .rsi)
        e.movImm32(.rax, UInt32(MIMIC_EXIT_EXCEPTION))
        e.jmp(epilogue)
        let pcExit = e.offset
        e.mov(.b64, Mem(.r14, StateField.rip), .rsi)
        e.jmp(epilogue)
        guard let code = buffer.append(e.bytes) else { throw CodeBuffer.Failure(description: "code buffer too small for the entry trampoline") }
        enterAddress = code
        epilogueAddress = code + e.offset(of: epilogue)
        pageFaultReadAddress = code + pageFault.0
        pageFaultWriteAddress = code + pageFault.1
        raisedAddress = code + raised
        pcExitAddress = code + pcExit

        cif = .allocate(capacity: 1)
        argumentTypes = .allocate(capacity: 2)
        argumentTypes[0] = withUnsafeMutablePointer(to: &ffi_type_pointer) { $0 }
        argumentTypes[1] = withUnsafeMutablePointer(to: &ffi_type_pointer) { $0 }
        let status = ffi_prep_cif(cif, FFI_DEFAULT_ABI, 2, withUnsafeMutablePointer(to: &ffi_type_uint64) { $0 }, argumentTypes)
        guard status == FFI_OK else { throw CodeBuffer.Failure(description: "ffi_prep_cif failed: \(status)") }
    }

    deinit {
        cif.deallocate()
        argumentTypes.deallocate()
    }

    /// Runs generated code at `code` on `cpu` until it leaves; returns the exit value
    /// (`tbIndex << 8 | MIMIC_EXIT_*`).
    @inline(__always)
    public func enter(_ cpu: UnsafeMutablePointer<MimicCPUState>, _ code: UnsafeRawPointer) -> UInt64 {
        // ffi_call takes an array of pointers to the argument values.
        var values: (UnsafeRawPointer, UnsafeRawPointer) = (UnsafeRawPointer(cpu), code)
        var result: UInt64 = 0
        withUnsafeMutablePointer(to: &values) { v in
            let raw = UnsafeMutableRawPointer(v)
            var pointers: (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) = (raw, raw + MemoryLayout<UnsafeRawPointer>.stride)
            withUnsafeMutablePointer(to: &pointers) { p in
                p.withMemoryRebound(to: UnsafeMutableRawPointer?.self, capacity: 2) { array in
                    ffi_call(cif, unsafeBitCast(enterAddress, to: (@convention(c) () -> Void).self), &result, array)
                }
            }
        }
        return result
    }
}
