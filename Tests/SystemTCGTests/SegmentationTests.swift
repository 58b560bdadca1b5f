import CCPU
@testable import Lifter
import XCTest

/// Descriptor checks of segment loads, far transfers, LTR and interrupt delivery, on a GDT and
/// IDT in RAM with paging off (SDM vol. 3, chapters 5 and 6).
final class SegmentationTests: XCTestCase {
    final class Fixture {
        let ram = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 4096)
        let state = UnsafeMutablePointer<MimicCPUState>.allocate(capacity: 1)
        var cpu: SystemCPU { SystemCPU(state) }
        static let gdt: UInt64 = 0x1000, idt: UInt64 = 0x2000, tss: UInt64 = 0x3000

        /// Long mode (paging off is enough for descriptor checks), CPL 0 in a 64-bit CS.
        init() {
            ram.initializeMemory(as: UInt8.self, repeating: 0, count: 1 << 20)
            state.initialize(to: MimicCPUState())
            state.pointee.sys.ram_base = UInt64(UInt(bitPattern: ram))
            state.pointee.sys.ram_size = 1 << 20
            state.pointee.sys.cr0 = CR0.pe
            state.pointee.sys.efer = EFER.lme | EFER.lma | EFER.sce
            state.pointee.exception = UInt64(MIMIC_EXC_NONE)
            let descriptors: [UInt64] = [
                0,
                0x00AF_9A00_0000_FFFF,   // 0x08 kernel code 64
                0x00CF_9200_0000_FFFF,   // 0x10 kernel data
                0x00CF_FA00_0000_FFFF,   // 0x18 user code 32
                0x00CF_F200_0000_FFFF,   // 0x20 user data
                0x00AF_FA00_0000_FFFF,   // 0x28 user code 64
                0x0000_8900_3000_0067,   // 0x30 TSS at 0x3000, limit 0x67 (16 bytes in long mode)
                0,
                0x00CF_1200_0000_FFFF,   // 0x40 data, not present
            ]
            for (i, d) in descriptors.enumerated() { store(Fixture.gdt + UInt64(i * 8), d) }
            state.pointee.sys.gdt_base = Fixture.gdt
            state.pointee.sys.gdt_limit = UInt32(descriptors.count * 8 - 1)
            state.pointee.sys.idt_base = Fixture.idt
            state.pointee.sys.idt_limit = 32 * 16 - 1
            cpu.segment(Int32(MIMIC_SEG_CS)).pointee = MimicSegment(base: 0, limit: 0xFFFF_FFFF, selector: 0x08,
                attributes: UInt16(0xB | MIMIC_SEG_S | MIMIC_SEG_P | MIMIC_SEG_L | MIMIC_SEG_G))
            cpu.resetSystemState()
        }

        deinit {
            ram.deallocate()
            state.deallocate()
        }

        func store(_ address: UInt64, _ value: UInt64) { (ram + Int(address)).storeBytes(of: value, as: UInt64.self) }
        func load(_ address: UInt64) -> UInt64 { (ram + Int(address)).load(as: UInt64.self) }

        /// A present 64-bit interrupt (0xE) or trap (0xF) gate to 0x08:handler.
        func gate(_ vector: Int, handler: UInt64, type: UInt64 = 0xE, dpl: UInt64 = 0, ist: UInt64 = 0) {
            let low = handler & 0xFFFF | 0x08 << 16 | ist << 32 | (type | dpl << 5 | 0x80) << 40 | (handler >> 16 & 0xFFFF) << 48
            store(Fixture.idt + UInt64(vector) * 16, low)
            store(Fixture.idt + UInt64(vector) * 16 + 8, handler >> 32)
        }

        func fault(_ body: () throws(Fault) -> Void) -> Fault? {
            do {
                try body()
                return nil
            } catch {
                return error
            }
        }
    }

    func testDataSegmentLoads() throws {
        let f = Fixture()
        let cpu = f.cpu
        try cpu.loadDataSegment(Int32(MIMIC_SEG_DS), 0x10)
        XCTAssertEqual(cpu.segment(Int32(MIMIC_SEG_DS)).pointee.selector, 0x10)
        XCTAssertEqual(f.load(Fixture.gdt + 0x10) >> 40 & 1, 1, "the accessed bit is set in the GDT")
        XCTAssertEqual(f.fault { () throws(Fault) in try cpu.loadDataSegment(Int32(MIMIC_SEG_ES), 0x48) }, Fault(13, errorCode: 0x48), "past the limit")
        XCTAssertEqual(f.fault { () throws(Fault) in try cpu.loadDataSegment(Int32(MIMIC_SEG_DS), 0x40) }, Fault(11, errorCode: 0x40), "not present")
        XCTAssertEqual(f.fault { () throws(Fault) in try cpu.loadDataSegment(Int32(MIMIC_SEG_SS), 0x23) }, Fault(13, errorCode: 0x20), "SS: RPL != CPL")
        XCTAssertNil(f.fault { () throws(Fault) in try cpu.loadDataSegment(Int32(MIMIC_SEG_DS), 0x08) }, "a readable code segment")
        XCTAssertNil(f.fault { () throws(Fault) in try cpu.loadDataSegment(Int32(MIMIC_SEG_SS), 0) }, "null SS at CPL 0 in 64-bit mode")
        XCTAssertNil(f.fault { () throws(Fault) in try cpu.loadDataSegment(Int32(MIMIC_SEG_FS), 0) })
    }

    func testFarJumpChecksAndModeSwitch() throws {
        let f = Fixture()
        let cpu = f.cpu
        XCTAssertEqual(f.fault { () throws(Fault) in try cpu.farJump(selector: 0x10, offset: 0) }, Fault(13, errorCode: 0x10), "data segment")
        XCTAssertEqual(f.fault { () throws(Fault) in try cpu.farJump(selector: 0x28, offset: 0) }, Fault(13, errorCode: 0x28), "DPL 3 from CPL 0")
        XCTAssertEqual(f.fault { () throws(Fault) in try cpu.farJump(selector: 0, offset: 0) }, Fault(13, errorCode: 0), "null")
        try cpu.farJump(selector: 0x08, offset: 0x1234)
        XCTAssertEqual(f.state.pointee.rip, 0x1234)
        XCTAssertEqual(f.state.pointee.sys.tb_flags & UInt32(MIMIC_TB_CODE64), UInt32(MIMIC_TB_CODE64))
    }

    func testTaskRegisterLoadMarksBusy() throws {
        let f = Fixture()
        try f.cpu.loadTaskRegister(0x30)
        XCTAssertEqual(f.load(Fixture.gdt + 0x30) >> 40 & 0xF, 0xB)
        XCTAssertEqual(f.cpu.segment(Int32(MIMIC_SEG_TR)).pointee.base, 0x3000)
        XCTAssertEqual(f.fault { () throws(Fault) in try f.cpu.loadTaskRegister(0x30) }, Fault(13, errorCode: 0x30), "busy")
    }

    /// An exception from ring 3 switches to TSS.RSP0 and pushes SS, RSP, RFLAGS, CS, RIP and
    /// the error code; IRETQ returns.
    func testDeliveryFromRing3AndReturn() throws {
        let f = Fixture()
        let cpu = f.cpu
        try cpu.loadTaskRegister(0x30)
        f.store(Fixture.tss + 4, 0x8000)   // RSP0
        f.gate(13, handler: 0x5000)
        // Ring 3 at rip 0x4000, rsp 0x7000.
        cpu.segment(Int32(MIMIC_SEG_CS)).pointee = MimicSegment(base: 0, limit: 0xFFFF_FFFF, selector: 0x2B,
            attributes: UInt16(0xB | MIMIC_SEG_S | 3 << 5 | MIMIC_SEG_P | MIMIC_SEG_L | MIMIC_SEG_G))
        cpu.segment(Int32(MIMIC_SEG_SS)).pointee = MimicSegment(base: 0, limit: 0xFFFF_FFFF, selector: 0x23,
            attributes: UInt16(0x3 | MIMIC_SEG_S | 3 << 5 | MIMIC_SEG_P | MIMIC_SEG_DB | MIMIC_SEG_G))
        f.state.pointee.sys.cpl = 3
        f.state.pointee.rip = 0x4000
        f.state.pointee.gpr.4 = 0x7000
        cpu.rflags = 0x202
        XCTAssertTrue(cpu.deliver(vector: 13, errorCode: 0x18, address: 0, source: .exception))
        XCTAssertEqual(f.state.pointee.rip, 0x5000)
        XCTAssertEqual(f.state.pointee.sys.cpl, 0)
        XCTAssertEqual(f.state.pointee.gpr.4, 0x8000 - 48)
        XCTAssertEqual((0..<6).map { f.load(0x8000 - 48 + UInt64($0) * 8) }, [0x18, 0x4000, 0x2B, 0x202, 0x7000, 0x23])
        XCTAssertEqual(cpu.rflags & RFLAGS.if, 0, "interrupt gate")
        // Pop the error code, then IRETQ.
        f.state.pointee.gpr.4 += 8
        try cpu.interruptReturn(bytes: 8)
        XCTAssertEqual(f.state.pointee.rip, 0x4000)
        XCTAssertEqual(f.state.pointee.sys.cpl, 3)
        XCTAssertEqual(f.state.pointee.gpr.4, 0x7000)
        XCTAssertEqual(cpu.rflags, 0x202)
    }

    /// A software interrupt through a gate of DPL 0 from ring 3 is #GP(vector * 8 + 2); a
    /// fault delivering a page fault is a double fault; one delivering #DF shuts down.
    func testGateChecksDoubleAndTripleFaults() throws {
        let f = Fixture()
        let cpu = f.cpu
        try cpu.loadTaskRegister(0x30)
        f.store(Fixture.tss + 4, 0x8000)
        f.store(Fixture.tss + 0x24, 0x9000)    // IST1
        f.gate(3, handler: 0x5000)
        f.gate(13, handler: 0x5100)
        f.gate(8, handler: 0x5200, ist: 1)
        cpu.segment(Int32(MIMIC_SEG_CS)).pointee.selector = 0x2B
        cpu.segment(Int32(MIMIC_SEG_CS)).pointee.attributes |= 3 << 5
        f.state.pointee.sys.cpl = 3
        f.state.pointee.gpr.4 = 0x7000
        f.state.pointee.rip = 0x4001
        XCTAssertTrue(cpu.deliver(vector: 3, errorCode: 0, address: 0, source: .software))
        XCTAssertEqual(f.state.pointee.rip, 0x5100, "#GP instead")
        XCTAssertEqual(f.load(0x8000 - 48), 3 << 3 | 2, "error code: IDT entry 3, not external")

        // #PF whose gate is not present: #NP while delivering #PF → #DF on IST1.
        XCTAssertTrue(cpu.deliver(vector: 14, errorCode: 2, address: 0x1234, source: .exception))
        XCTAssertEqual(f.state.pointee.sys.cr2, 0x1234)
        XCTAssertEqual(f.state.pointee.rip, 0x5200)
        XCTAssertEqual(f.state.pointee.gpr.4, 0x9000 - 48)

        // Without a #DF gate, the next one shuts down.
        f.store(Fixture.idt + 8 * 16, 0)
        XCTAssertFalse(cpu.deliver(vector: 14, errorCode: 0, address: 0, source: .exception))
    }

    func testSyscallAndSysret() throws {
        let f = Fixture()
        let cpu = f.cpu
        f.state.pointee.sys.star = 0x18 << 48 | 0x08 << 32
        f.state.pointee.sys.lstar = 0xFFFF_8000_0000_1000
        f.state.pointee.sys.fmask = 0x47700
        f.state.pointee.sys.cpl = 3
        cpu.rflags = 0x246 | RFLAGS.if
        try cpu.systemCall(returnAddress: 0x4005)
        XCTAssertEqual(f.state.pointee.gpr.1, 0x4005)
        XCTAssertEqual(f.state.pointee.gpr.11, 0x246 | RFLAGS.if)
        XCTAssertEqual(f.state.pointee.rip, 0xFFFF_8000_0000_1000)
        XCTAssertEqual(f.state.pointee.sys.cpl, 0)
        XCTAssertEqual(cpu.segment(Int32(MIMIC_SEG_CS)).pointee.selector, 0x08)
        XCTAssertEqual(cpu.segment(Int32(MIMIC_SEG_SS)).pointee.selector, 0x10)
        XCTAssertEqual(cpu.rflags & RFLAGS.if, 0)
        try cpu.systemReturn(bytes: 8)
        XCTAssertEqual(f.state.pointee.rip, 0x4005)
        XCTAssertEqual(cpu.segment(Int32(MIMIC_SEG_CS)).pointee.selector, 0x2B)
        XCTAssertEqual(cpu.segment(Int32(MIMIC_SEG_SS)).pointee.selector, 0x23)
        XCTAssertEqual(f.state.pointee.sys.cpl, 3)
        XCTAssertEqual(cpu.rflags, 0x246 | RFLAGS.if)
        XCTAssertEqual(f.fault { () throws(Fault) in try cpu.systemReturn(bytes: 8) }, Fault(13, errorCode: 0), "SYSRET at CPL 3")
    }

    // MARK: LAR, LSL, VERR, VERW

    func testSegmentChecksAtCPL0() throws {
        let f = Fixture()
        let cpu = f.cpu
        XCTAssertEqual(try cpu.checkSegment(0x08, .accessRights), 0x00AF_9A00)
        XCTAssertEqual(try cpu.checkSegment(0x10, .limit), 0xFFFF_FFFF)
        XCTAssertEqual(try cpu.checkSegment(0x08, .readable), 0, "code of type 0xA is readable")
        XCTAssertNil(try cpu.checkSegment(0x08, .writable), "code is never writable")
        XCTAssertEqual(try cpu.checkSegment(0x10, .writable), 0)
        XCTAssertEqual(try cpu.checkSegment(0x30, .accessRights), 0x0000_8900, "an available 64-bit TSS")
        XCTAssertEqual(try cpu.checkSegment(0x30, .limit), 0x67)
        XCTAssertNil(try cpu.checkSegment(0x30, .readable), "a system descriptor")
        XCTAssertNil(try cpu.checkSegment(0x00, .accessRights), "the null selector")
        XCTAssertNil(try cpu.checkSegment(0x48, .limit), "past the GDT's limit: ZF clear, no fault")
        XCTAssertNil(try cpu.checkSegment(0x13, .accessRights), "RPL 3 above the kernel data's DPL 0")
        XCTAssertEqual(try cpu.checkSegment(0x40, .accessRights), 0x00CF_1200, "presence is not checked")
    }

    func testSegmentChecksAtCPL3() throws {
        let f = Fixture()
        f.state.pointee.sys.cpl = 3
        let cpu = f.cpu
        XCTAssertNil(try cpu.checkSegment(0x08, .accessRights), "DPL 0 is not visible from ring 3")
        XCTAssertEqual(try cpu.checkSegment(0x2B, .accessRights), 0x00AF_FA00)
        XCTAssertEqual(try cpu.checkSegment(0x23, .writable), 0)
        XCTAssertNil(try cpu.checkSegment(0x30, .limit), "the TSS's DPL is 0")
    }
}
