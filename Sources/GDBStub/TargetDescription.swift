/// The x86-64 register set as gdb numbers it, and the target description XML that tells gdb
/// so (the feature names are those the GDB manual's "i386 Features" section requires).
enum X86RegisterSet {
    enum Kind {
        case gpr(Int)       // index into DebugRegisters.gpr
        case rip, eflags
        case segment(Int)
        case st(Int)
        case x87Control(Int)
        case xmm(Int)
        case mxcsr
        case fsBase, gsBase
    }

    struct Register {
        var name: String
        var bits: Int
        var kind: Kind
        var type: String
        var group: String?
    }

    static let registers: [Register] = {
        var list: [Register] = []
        // gdb's order: rax rbx rcx rdx rsi rdi rbp rsp r8..r15; encoding order numbers them.
        let gprs: [(String, Int)] = [("rax", 0), ("rbx", 3), ("rcx", 1), ("rdx", 2), ("rsi", 6), ("rdi", 7), ("rbp", 5), ("rsp", 4)]
            + (8...15).map { ("r\($0)", $0) }
        for (name, index) in gprs {
            list.append(Register(name: name, bits: 64, kind: .gpr(index), type: name == "rbp" || name == "rsp" ? "data_ptr" : "int64"))
        }
        list.append(Register(name: "rip", bits: 64, kind: .rip, type: "code_ptr"))
        list.append(Register(name: "eflags", bits: 32, kind: .eflags, type: "i386_eflags"))
        for (i, name) in ["cs", "ss", "ds", "es", "fs", "gs"].enumerated() {
            list.append(Register(name: name, bits: 32, kind: .segment(i), type: "int32"))
        }
        for i in 0..<8 { list.append(Register(name: "st\(i)", bits: 80, kind: .st(i), type: "i387_ext")) }
        for (i, name) in ["fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"].enumerated() {
            list.append(Register(name: name, bits: 32, kind: .x87Control(i), type: "int", group: "float"))
        }
        for i in 0..<16 { list.append(Register(name: "xmm\(i)", bits: 128, kind: .xmm(i), type: "vec128")) }
        list.append(Register(name: "mxcsr", bits: 32, kind: .mxcsr, type: "int", group: "vector"))
        list.append(Register(name: "fs_base", bits: 64, kind: .fsBase, type: "int"))
        list.append(Register(name: "gs_base", bits: 64, kind: .gsBase, type: "int"))
        return list
    }()

    /// Index of the first register of each feature.
    static let sseStart = 40, segmentsStart = 57

    static let xml: String = {
        func reg(_ n: Int) -> String {
            let r = registers[n]
            return "    <reg name=\"\(r.name)\" bitsize=\"\(r.bits)\" type=\"\(r.type)\" regnum=\"\(n)\""
                + (r.group.map { " group=\"\($0)\"" } ?? "") + "/>\n"
        }
        var x = "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n"
        x += "  <architecture>i386:x86-64</architecture>\n"
        x += "  <feature name=\"org.gnu.gdb.i386.core\">\n"
        x += "    <flags id=\"i386_eflags\" size=\"4\">\n"
        for (name, bit) in [("CF", 0), ("", 1), ("PF", 2), ("AF", 4), ("ZF", 6), ("SF", 7), ("TF", 8), ("IF", 9), ("DF", 10),
                            ("OF", 11), ("NT", 14), ("RF", 16), ("VM", 17), ("AC", 18), ("VIF", 19), ("VIP", 20), ("ID", 21)] {
            x += "      <field name=\"\(name)\" start=\"\(bit)\" end=\"\(bit)\"/>\n"
        }
        x += "    </flags>\n"
        for n in 0..<sseStart { x += reg(n) }
        x += "  </feature>\n  <feature name=\"org.gnu.gdb.i386.sse\">\n"
        x += "    <vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n    <vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
        x += "    <vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n    <vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n"
        x += "    <vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n    <vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n"
        x += "    <union id=\"vec128\">\n"
        for (field, type) in [("v4_float", "v4f"), ("v2_double", "v2d"), ("v16_int8", "v16i8"), ("v8_int16", "v8i16"),
                              ("v4_int32", "v4i32"), ("v2_int64", "v2i64"), ("uint128", "uint128")] {
            x += "      <field name=\"\(field)\" type=\"\(type)\"/>\n"
        }
        x += "    </union>\n"
        for n in sseStart..<segmentsStart { x += reg(n) }
        x += "  </feature>\n  <feature name=\"org.gnu.gdb.i386.segments\">\n"
        for n in segmentsStart..<registers.count { x += reg(n) }
        x += "  </feature>\n</target>\n"
        return x
    }()

    /// The register's bytes, little-endian as the target holds them.
    static func bytes(of n: Int, in r: DebugRegisters) -> [UInt8] {
        func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        switch registers[n].kind {
        case .gpr(let i): return le(r.gpr[i])
        case .rip: return le(r.rip)
        case .eflags: return le(r.eflags)
        case .segment(let i): return le(r.segments[i])
        case .st(let i): return r.st[i]
        case .x87Control(let i): return le(r.x87Control[i])
        case .xmm(let i): return le(r.xmm[i][0]) + le(r.xmm[i][1])
        case .mxcsr: return le(r.mxcsr)
        case .fsBase: return le(r.fsBase)
        case .gsBase: return le(r.gsBase)
        }
    }

    /// Sets register `n` from `bytes` (exactly its size); false for a wrong size.
    static func set(_ n: Int, to bytes: [UInt8], in r: inout DebugRegisters) -> Bool {
        guard n < registers.count, bytes.count == registers[n].bits / 8 else { return false }
        func u64(_ b: ArraySlice<UInt8>) -> UInt64 { b.reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        let v = u64(bytes[...])
        switch registers[n].kind {
        case .gpr(let i): r.gpr[i] = v
        case .rip: r.rip = v
        case .eflags: r.eflags = UInt32(truncatingIfNeeded: v)
        case .segment(let i): r.segments[i] = UInt32(truncatingIfNeeded: v)
        case .st(let i): r.st[i] = bytes
        case .x87Control(let i): r.x87Control[i] = UInt32(truncatingIfNeeded: v)
        case .xmm(let i): r.xmm[i] = [u64(bytes[0..<8]), u64(bytes[8..<16])]
        case .mxcsr: r.mxcsr = UInt32(truncatingIfNeeded: v)
        case .fsBase: r.fsBase = v
        case .gsBase: r.gsBase = v
        }
        return true
    }
}
