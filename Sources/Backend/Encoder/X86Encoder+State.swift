/// Instructions that move guest SIMD and x87 state between the CPU-state struct and the host's
/// registers, for thunks that run a guest instruction as itself (see the HostThunks target).
extension X86Encoder {
    /// MOVDQU xmm, [mem] (F3 0F 6F): loads guest XMM register `xmm` (0-15).
    public mutating func movdquLoad(xmm: UInt8, _ m: Mem) { rm(.b32, mandatory: 0xF3, 0x0F6F, reg: xmm, mem: m) }

    /// MOVDQU [mem], xmm (F3 0F 7F).
    public mutating func movdquStore(_ m: Mem, xmm: UInt8) { rm(.b32, mandatory: 0xF3, 0x0F7F, reg: xmm, mem: m) }

    /// FXSAVE / FXRSTOR [mem] (0F AE /0, /1): the x87, MMX, XMM and MXCSR state image.
    public mutating func fxsave(_ m: Mem) { rm(.b32, 0x0FAE, reg: 0, mem: m) }
    public mutating func fxrstor(_ m: Mem) { rm(.b32, 0x0FAE, reg: 1, mem: m) }

    /// LDMXCSR / STMXCSR [mem] (0F AE /2, /3).
    public mutating func ldmxcsr(_ m: Mem) { rm(.b32, 0x0FAE, reg: 2, mem: m) }
    public mutating func stmxcsr(_ m: Mem) { rm(.b32, 0x0FAE, reg: 3, mem: m) }

    /// FNINIT (DB E3): the x87 unit as the C ABI expects it between calls.
    public mutating func fninit() {
        begin()
        byte(0xDB)
        byte(0xE3)
    }

    /// PUSH qword [mem] (FF /6) and POPFQ (9D): load RFLAGS from memory.
    public mutating func push(_ m: Mem) { rm(.b32, 0xFF, reg: 6, mem: m) }
    public mutating func popFlags() {
        begin()
        byte(0x9D)
    }

    /// One instruction given as its bytes (a guest instruction re-encoded for the host).
    public mutating func instruction(_ encoded: [UInt8]) {
        begin()
        encoded.withUnsafeBytes { append($0) }
    }
}
