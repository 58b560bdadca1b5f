/// System mode's guest memory accesses: virtual addresses that go through the guest's page
/// tables. The two bits above the size and sign say so, and which TLB (privilege) the access
/// uses; a `load` or `store` with `paged` set carries in `imm` the helper that performs the
/// access when the software TLB misses.
extension MemOp {
    public static let pagedBit: UInt8 = 1 << 3
    public static let userBit: UInt8 = 1 << 4

    /// The access translates a virtual address through the software TLB.
    public var isPaged: Bool { raw & MemOp.pagedBit != 0 }
    /// The access is made with user (CPL 3) rights, through the user TLB.
    public var isUser: Bool { raw & MemOp.userBit != 0 }

    /// This access, paged, with user or supervisor rights.
    public func paged(user: Bool) -> MemOp {
        MemOp(raw: raw | MemOp.pagedBit | (user ? MemOp.userBit : 0))
    }
}
