import TCG
import XCTest

/// The scaffolding of engine tests that assemble a few lines into a small guest: code at
/// `code`, data at `data`, and, in a `mapped` guest, every other page of the address space
/// unmapped (so host faults show as guest page faults).
protocol AssembledGuestTests: XCTestCase {
    /// The options of the engines `mapped` makes.
    var engineOptions: EngineOptions { get }
}

extension AssembledGuestTests {
    static var code: UInt64 { 0x1000 }
    static var data: UInt64 { 0x2000 }

    /// The lines as one program; skips the test where no assembler is installed.
    func assemble(_ lines: [String]) throws -> [UInt8] {
        if let reason = Assembler.unavailableReason { throw XCTSkip(reason) }
        guard case .success(let bytes) = try Assembler.assemble([lines])[0] else {
            XCTFail("assembler rejected \(lines)")
            return []
        }
        return bytes
    }

    /// An engine over a reserved address space with only the code page (read, write, execute)
    /// and the data page (read, write) mapped, rip at the program.
    func mapped(_ program: [UInt8], accel: Accel) throws -> (GuestMemory, Engine) {
        let memory = try GuestMemory(reserving: 1 << 24)
        XCTAssertTrue(memory.protect(Self.code, 0x1000, [.read, .write, .execute]))
        XCTAssertTrue(memory.protect(Self.data, 0x1000, [.read, .write]))
        memory.write(program, at: Self.code)
        let engine = try Engine(memory: memory, accel: accel, options: engineOptions)
        engine.cpu.pointee.rip = Self.code
        return (memory, engine)
    }

    /// Runs a self-modifying program in a `mapped` guest, with a stack, until HLT: one that
    /// calls a routine `patch: mov eax, imm32; ret` between rewrites of its immediate (its
    /// own code page is write-protected on the host once translated) and keeps the results.
    func runSelfModifying(_ program: [UInt8], accel: Accel, file: StaticString = #filePath, line: UInt = #line) throws -> Engine {
        let (memory, engine) = try mapped(program, accel: accel)
        memory.protect(0x8000, 0x1000, [.read, .write])
        engine.cpu.pointee.gpr.4 = 0x9000
        XCTAssertEqual(engine.run(), .halt, "\(accel)", file: file, line: line)
        return engine
    }
}
