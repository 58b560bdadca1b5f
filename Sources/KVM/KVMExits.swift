#if canImport(Glibc)
import Glibc
#endif
import CKVM
import Introspection

/// What `-d kvm` and `--stats` show of a KVM run: each exit from KVM_RUN, and the exits by
/// reason with the time spent inside KVM_RUN.
public struct KVMStatistics: Sendable {
    /// Exits by KVM_EXIT_* reason (indexes past the table's end count as `other`).
    public var exitsByReason = [UInt64](repeating: 0, count: KVMExits.names.count)
    public var otherExits: UInt64 = 0
    /// Nanoseconds inside KVM_RUN (measured only when `KVMAccelerator.collectsStatistics`).
    public var runNanoseconds: UInt64 = 0

    mutating func count(_ reason: UInt32) {
        if Int(reason) < exitsByReason.count { exitsByReason[Int(reason)] += 1 } else { otherExits += 1 }
    }

    public var report: StatsReport {
        var report = StatsReport(title: "kvm")
        var exits: [StatsReport.Named] = []
        for (reason, count) in exitsByReason.enumerated() where count > 0 { exits.append(StatsReport.Named(KVMExits.names[reason], count)) }
        if otherExits > 0 { exits.append(StatsReport.Named("other", otherExits)) }
        report.add("exits", "exits from KVM_RUN", .count(exitsByReason.reduce(otherExits, +)))
        report.add("exits_by_reason", "exits by reason", .breakdown(exits.sorted { $0.count > $1.count }))
        report.add("kvm_run_ms", "time in KVM_RUN (ms)", .decimal(Double(runNanoseconds) / 1e6))
        return report
    }
}

enum KVMExits {
    /// KVM_EXIT_* names by number, from linux/kvm.h.
    static let names = [
        "unknown", "exception", "io", "hypercall", "debug", "hlt", "mmio", "irq_window_open",
        "shutdown", "fail_entry", "intr", "set_tpr", "tpr_access", "s390_sieic", "s390_reset", "dcr",
        "nmi", "internal_error", "osi", "papr_hcall", "s390_ucontrol", "watchdog", "s390_tsch", "epr",
        "system_event", "s390_stsi", "ioapic_eoi", "hyperv", "arm_nisv", "x86_rdmsr", "x86_wrmsr",
        "dirty_ring_full", "ap_reset_hold", "x86_bus_lock", "xen", "riscv_sbi", "riscv_csr", "notify",
    ]

    static func name(_ reason: UInt32) -> String {
        Int(reason) < names.count ? names[Int(reason)] : "reason \(reason)"
    }

    /// The `-d kvm` line for the exit in `run`.
    static func describe(_ run: UnsafeMutablePointer<kvm_run>, _ runBytes: UnsafeMutableRawPointer) -> String {
        let reason = run.pointee.exit_reason
        var line = "kvm: exit " + name(reason)
        switch Int32(reason) {
        case KVM_EXIT_IO:
            let io = run.pointee.io
            let out = io.direction == UInt8(KVM_EXIT_IO_OUT)
            line += (out ? " out" : " in") + " port 0x" + String(io.port, radix: 16) + " size \(io.size)"
            if io.count != 1 { line += " count \(io.count)" }
            if out, io.count == 1 {
                var value: UInt32 = 0
                withUnsafeMutableBytes(of: &value) { $0.baseAddress!.copyMemory(from: runBytes + Int(io.data_offset), byteCount: Int(min(io.size, 4))) }
                line += " value 0x" + String(value, radix: 16)
            }
        case KVM_EXIT_MMIO:
            let mmio = run.pointee.mmio
            line += (mmio.is_write != 0 ? " write" : " read") + " address 0x" + String(mmio.phys_addr, radix: 16) + " size \(mmio.len)"
        case KVM_EXIT_FAIL_ENTRY:
            line += " hardware reason 0x" + String(run.pointee.fail_entry.hardware_entry_failure_reason, radix: 16)
        case KVM_EXIT_INTERNAL_ERROR:
            line += " suberror \(run.pointee.internal.suberror)"
        default:
            break
        }
        return line + "\n"
    }
}
