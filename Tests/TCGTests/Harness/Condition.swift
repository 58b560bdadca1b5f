/// The 16 condition codes of Jcc, SETcc and CMOVcc, in encoding order, with the flags each
/// tests (Intel SDM vol. 1, appendix B, "EFLAGS Condition Codes").
enum Condition: Int, CaseIterable {
    case o, no, b, ae, e, ne, be, a, s, ns, p, np, l, ge, le, g

    /// The suffix in a mnemonic: `j` + suffix, `set` + suffix, `cmov` + suffix.
    var suffix: String { "\(self)" }

    var reads: Flags {
        switch self {
        case .o, .no: [.of]
        case .b, .ae: [.cf]
        case .e, .ne: [.zf]
        case .be, .a: [.cf, .zf]
        case .s, .ns: [.sf]
        case .p, .np: [.pf]
        case .l, .ge: [.sf, .of]
        case .le, .g: [.zf, .sf, .of]
        }
    }
}
