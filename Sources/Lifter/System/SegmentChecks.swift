/// LAR, LSL, VERR and VERW: what a selector's descriptor would allow at the current privilege,
/// reported in ZF instead of by a fault (SDM vol. 2, the instruction pages).
public enum SegmentCheck: UInt64, Sendable {
    case accessRights, limit, readable, writable
}

extension SystemCPU {
    /// The value the instruction loads (LAR: the descriptor's second doubleword masked with
    /// 0x00FFFF00; LSL: the limit in bytes; VERR/VERW: 0), or nil when ZF is cleared: a null
    /// selector, one past the table's limit, a descriptor of a type the instruction does not
    /// accept, or one whose DPL is below CPL or RPL (conforming code is exempt).
    func checkSegment(_ selector: UInt16, _ check: SegmentCheck) throws(Fault) -> UInt64? {
        guard selector & 0xFFFC != 0 else { return nil }
        let d: Descriptor
        do {
            d = try descriptor(selector).0
        } catch {
            guard error.vector == Fault.generalProtection else { throw error }
            return nil
        }
        let visible = d.isConforming || (d.dpl >= cpl && d.dpl >= Int(selector & 3))
        switch check {
        case .readable:
            return d.isReadable && visible ? 0 : nil
        case .writable:
            return d.isWritableData && visible ? 0 : nil
        case .accessRights, .limit:
            guard visible, d.isCodeOrData || Self.systemTypes(check, longMode: longMode).contains(d.type) else { return nil }
            return check == .limit ? UInt64(d.limit) : d.low >> 32 & 0x00FF_FF00
        }
    }

    /// The system-descriptor types LAR and LSL accept: LDT and TSSs (and for LAR call gates); in
    /// long mode only the 64-bit forms.
    private static func systemTypes(_ check: SegmentCheck, longMode: Bool) -> [UInt8] {
        switch (check, longMode) {
        case (.accessRights, true): return [0x2, 0x9, 0xB, 0xC]
        case (.accessRights, false): return [0x1, 0x2, 0x3, 0x4, 0x5, 0x9, 0xB, 0xC]
        case (_, true): return [0x2, 0x9, 0xB]
        case (_, false): return [0x1, 0x2, 0x3, 0x9, 0xB]
        }
    }
}
