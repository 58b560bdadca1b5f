import CCPU
@testable import Lifter
import XCTest

/// The page walk, its permission checks and #PF error codes, the accessed and dirty bits, and
/// the software TLB it fills (SDM vol. 3, 4.5-4.7).
final class PagingTests: XCTestCase {
    /// A CPU in long mode over 4M of RAM with 4-level tables at 0x1000: PML4 0x1000, PDPT
    /// 0x2000, PD 0x3000, PT 0x4000 mapping the first 2M with 4K pages.
    final class Fixture {
        let ram = UnsafeMutableRawPointer.allocate(byteCount: 4 << 20, alignment: 4096)
        let state = UnsafeMutablePointer<MimicCPUState>.allocate(capacity: 1)
        var cpu: SystemCPU { SystemCPU(state) }

        init(nxe: Bool = true, writeProtect: Bool = true) {
            ram.initializeMemory(as: UInt8.self, repeating: 0, count: 4 << 20)
            state.initialize(to: MimicCPUState())
            state.pointee.sys.ram_base = UInt64(UInt(bitPattern: ram))
            state.pointee.sys.ram_size = 4 << 20
            state.pointee.sys.cr0 = CR0.pe | CR0.pg | (writeProtect ? CR0.wp : 0)
            state.pointee.sys.cr4 = CR4.pae
            state.pointee.sys.efer = EFER.lme | EFER.lma | (nxe ? EFER.nxe : 0)
            state.pointee.sys.cr3 = 0x1000
            entry(0x1000, 0, 0x2000 | 7)
            entry(0x2000, 0, 0x3000 | 7)
            entry(0x3000, 0, 0x4000 | 7)
            cpu.flushTLB()
        }

        deinit {
            ram.deallocate()
            state.deallocate()
        }

        func entry(_ table: UInt64, _ index: Int, _ value: UInt64) {
            (ram + Int(table) + index * 8).storeBytes(of: value, as: UInt64.self)
        }

        func entryValue(_ table: UInt64, _ index: Int) -> UInt64 {
            (ram + Int(table) + index * 8).load(as: UInt64.self)
        }

        /// Maps 4K page `page` (below 2M) to `frame` with `flags`.
        func map(_ page: Int, _ frame: UInt64, _ flags: UInt64) {
            entry(0x4000, page, frame | flags)
            cpu.flushTLB()
        }

        func fault(_ linear: UInt64, _ access: MemoryAccess, user: Bool) -> Fault? {
            do {
                _ = try cpu.translate(linear, access, user: user)
                return nil
            } catch {
                return error
            }
        }
    }

    let P: UInt64 = 1, W: UInt64 = 2, U: UInt64 = 4, NX: UInt64 = 1 << 63

    func testTranslatesThroughFourLevelsAndSetsAccessedAndDirty() throws {
        let f = Fixture()
        f.map(5, 0x20_0000, P | W | U)
        XCTAssertEqual(try f.cpu.translate(0x5123, .read, user: true), 0x20_0123)
        XCTAssertEqual(f.entryValue(0x4000, 5) & 0x60, 0x20, "a read sets A only")
        XCTAssertEqual(try f.cpu.translate(0x5FF8, .write, user: false), 0x20_0FF8)
        XCTAssertEqual(f.entryValue(0x4000, 5) & 0x60, 0x60, "a write sets D")
        XCTAssertEqual(f.entryValue(0x1000, 0) & 0x20, 0x20, "upper levels get A")
    }

    func testLargePages() throws {
        let f = Fixture()
        f.entry(0x3000, 1, 0x40_0000 | P | W | (1 << 7))          // 2M page at 2M → 4M... outside RAM is fine
        f.entry(0x2000, 1, 0x8000_0000 | P | W | U | (1 << 7))    // 1G page at 1G
        f.cpu.flushTLB()
        XCTAssertEqual(try f.cpu.translate(0x21_2345, .read, user: false), 0x41_2345)
        XCTAssertEqual(try f.cpu.translate(0x4123_4567, .read, user: true), 0x8123_4567)
    }

    func testPageFaultErrorCodes() {
        let f = Fixture()
        f.map(1, 0x10_0000, P)                 // supervisor, read-only
        f.map(2, 0x10_1000, P | U)             // user, read-only
        f.map(3, 0x10_2000, P | W | U | NX)    // user, no-execute
        // Not present: P clear; W, U and I/D as the access.
        XCTAssertEqual(f.fault(0x9000, .read, user: false), Fault(14, errorCode: 0x0, address: 0x9000))
        XCTAssertEqual(f.fault(0x9008, .write, user: true), Fault(14, errorCode: 0x6, address: 0x9008))
        XCTAssertEqual(f.fault(0x9010, .fetch, user: false), Fault(14, errorCode: 0x10, address: 0x9010))
        // Protection: P set.
        XCTAssertEqual(f.fault(0x1004, .write, user: false), Fault(14, errorCode: 0x3, address: 0x1004), "CR0.WP")
        XCTAssertEqual(f.fault(0x1064, .read, user: true), Fault(14, errorCode: 0x5, address: 0x1064), "U/S")
        XCTAssertEqual(f.fault(0x2008, .write, user: true), Fault(14, errorCode: 0x7, address: 0x2008))
        XCTAssertEqual(f.fault(0x3000, .fetch, user: false), Fault(14, errorCode: 0x11, address: 0x3000), "NX")
        XCTAssertEqual(f.fault(0x3000, .fetch, user: true), Fault(14, errorCode: 0x15, address: 0x3000))
        XCTAssertNil(f.fault(0x3000, .write, user: true))
        // Non-canonical: #GP(0).
        XCTAssertEqual(f.fault(0x8000_0000_0000_0000, .read, user: false), Fault(13, errorCode: 0))
    }

    func testSupervisorWritesToReadOnlyPagesWithoutWriteProtect() {
        let f = Fixture(writeProtect: false)
        f.map(1, 0x10_0000, P)
        XCTAssertNil(f.fault(0x1000, .write, user: false))
        XCTAssertEqual(f.fault(0x1000, .write, user: true)?.errorCode, 0x7, "WP does not matter to user writes")
    }

    func testNoExecuteBitIsReservedWithoutNXE() {
        let f = Fixture(nxe: false)
        f.map(3, 0x10_2000, P | W | NX)
        // RSVD with P, and no I/D bit without NXE.
        XCTAssertEqual(f.fault(0x3000, .read, user: false)?.errorCode, 0x9)
    }

    /// The TLB caches read rights at once, write rights only for dirty writable pages, and
    /// never pages outside RAM.
    func testTLBFill() throws {
        let f = Fixture()
        f.map(5, 0x20_0000, P | W | U)
        f.map(6, 0x20_1000, P | U)
        _ = try f.cpu.translate(0x5000, .read, user: true)
        var e = f.cpu.tlbEntry(0x5000, user: true).pointee
        XCTAssertEqual(e.read_tag, 0x5000)
        XCTAssertEqual(e.write_tag, ~0, "clean page: the first write goes the slow way and sets D")
        XCTAssertEqual(e.addend &+ 0x5000, f.state.pointee.sys.ram_base + 0x20_0000)
        _ = try f.cpu.translate(0x5000, .write, user: true)
        e = f.cpu.tlbEntry(0x5000, user: true).pointee
        XCTAssertEqual(e.write_tag, 0x5000)
        _ = try f.cpu.translate(0x6000, .read, user: true)
        XCTAssertEqual(f.cpu.tlbEntry(0x6000, user: true).pointee.write_tag, ~0, "read-only")
        XCTAssertEqual(f.cpu.tlbEntry(0x6000, user: false).pointee.read_tag, ~0, "the supervisor TLB is separate")
        f.cpu.flushTLB()
        XCTAssertEqual(f.cpu.tlbEntry(0x5000, user: true).pointee.read_tag, ~0)
    }

    func testReadAndWriteAcrossPages() throws {
        let f = Fixture()
        f.map(5, 0x20_0000, P | W)
        f.map(6, 0x30_0000, P | W)
        try f.cpu.write(0x5FFE, bytes: 4, 0xAABB_CCDD, user: false)
        XCTAssertEqual((f.ram + 0x20_0FFE).load(as: UInt16.self), 0xCCDD)
        XCTAssertEqual((f.ram + 0x30_0000).load(as: UInt16.self), 0xAABB)
        XCTAssertEqual(try f.cpu.read(0x5FFE, bytes: 4, user: false), 0xAABB_CCDD)
        // The second page faults: nothing is written, CR2 is its first byte.
        f.map(6, 0, 0)
        XCTAssertThrowsError(try f.cpu.write(0x5FFC, bytes: 8, 0, user: false)) { error in
            XCTAssertEqual(error as? Fault, Fault(14, errorCode: 0x2, address: 0x6000))
        }
        XCTAssertEqual((f.ram + 0x20_0FFE).load(as: UInt16.self), 0xCCDD)
    }
}
