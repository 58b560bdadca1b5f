import CCPU
import Foundation
import TCG
import XCTest

/// Exit requests (a running guest asked to come back to its loop) and engines of several
/// threads sharing one translation cache.
final class SharedEngineTests: XCTestCase {
    /// Raises MIMIC_EXIT_REQ_STOP on `cpu` from another thread after `delay` seconds.
    private func requestStop(_ cpu: UnsafeMutablePointer<MimicCPUState>, after delay: Double) -> Thread {
        let address = UInt(bitPattern: cpu)
        let thread = Thread {
            Thread.sleep(forTimeInterval: delay)
            mimic_request_exit(UnsafeMutablePointer(bitPattern: address)!, UInt32(MIMIC_EXIT_REQ_STOP))
        }
        thread.start()
        return thread
    }

    /// `jmp .` touches no memory and never leaves generated code by itself; a stop request
    /// from another thread ends the run at the loop, with the registers intact.
    func testStopRequestEndsASpinningGuest() throws {
        // mov eax, 7 ; l: jmp l
        let code: [UInt8] = [0xB8, 0x07, 0x00, 0x00, 0x00, 0xEB, 0xFE]
        for accel in Accel.allCases {
            let memory = try GuestMemory(size: 1 << 20)
            memory.write(code, at: 0x1000)
            let engine = try Engine(memory: memory, accel: accel)
            engine.cpu.pointee.rip = 0x1000
            _ = requestStop(engine.cpu, after: 0.2)
            let stop = engine.run()
            XCTAssertEqual(stop, .exception(vector: Int(MIMIC_EXC_STOP), errorCode: 0, address: 0), "\(accel)")
            XCTAssertEqual(engine.cpu.pointee.rip, 0x1005, "\(accel): stopped at the loop")
            XCTAssertEqual(engine.cpu.pointee.gpr.0, 7, "\(accel)")
            // The caller clears the request; the guest then runs on (and is stopped again).
            mimic_clear_exit_request(engine.cpu, UInt32(MIMIC_EXIT_REQ_STOP))
            _ = requestStop(engine.cpu, after: 0.05)
            XCTAssertEqual(engine.run(), .exception(vector: Int(MIMIC_EXC_STOP), errorCode: 0, address: 0), "\(accel)")
        }
    }

    /// A loop that returns through an indirect jump (call/ret) also sees the request.
    func testStopRequestReachesALoopOfIndirectJumps() throws {
        // l: call f ; jmp l ; f: ret
        let code: [UInt8] = [0xE8, 0x02, 0x00, 0x00, 0x00, 0xEB, 0xF9, 0xC3]
        let memory = try GuestMemory(size: 1 << 20)
        memory.write(code, at: 0x1000)
        let engine = try Engine(memory: memory, accel: .jit)
        engine.cpu.pointee.rip = 0x1000
        engine.cpu.pointee.gpr.4 = 0x8000
        _ = requestStop(engine.cpu, after: 0.2)
        XCTAssertEqual(engine.run(), .exception(vector: Int(MIMIC_EXC_STOP), errorCode: 0, address: 0))
        XCTAssertTrue([0x1000, 0x1005, 0x1007].contains(engine.cpu.pointee.rip), "at a block start: \(engine.cpu.pointee.rip)")
        XCTAssertEqual(engine.cpu.pointee.gpr.4 & ~8, 0x8000 - 8 & ~8, "the stack is balanced or one call deep")
    }

    /// Four threads, each its own engine over one cache and one memory, run a loop that sums
    /// into its own slot; a code buffer small enough to flush many times while they run makes
    /// every flush wait for the others to leave generated code. Every sum must be exact.
    func testThreadsShareTranslationsAcrossFlushes() throws {
        let code = ChainedLoop.code(blocks: 200, storingSum: true)

        for accel in Accel.allCases {
            let memory = try GuestMemory(size: 1 << 20)
            memory.write(code, at: 0x1000)
            var options = EngineOptions()
            options.codeBufferBytes = 4 << 10
            let first = try Engine(memory: memory, accel: accel, options: options)
            var engines = [first]
            for _ in 1..<4 { engines.append(try Engine(sharing: first)) }
            let rounds: UInt64 = accel == .jit ? 100 : 50
            var stops = [StopReason?](repeating: nil, count: engines.count)
            let group = DispatchGroup()
            let lock = NSLock()
            for (i, engine) in engines.enumerated() {
                engine.cpu.pointee.rip = 0x1000
                engine.cpu.pointee.gpr.0 = 0
                engine.cpu.pointee.gpr.1 = UInt64(i + 1)        // rcx: what each add adds
                engine.cpu.pointee.gpr.3 = UInt64(0x8000 + 8 * i) // rbx: where the sum goes
                engine.cpu.pointee.gpr.8 = rounds
                let thread = Thread {
                    let stop = engine.run()
                    lock.lock()
                    stops[i] = stop
                    lock.unlock()
                    group.leave()
                }
                thread.stackSize = 8 << 20
                group.enter()
                thread.start()
            }
            XCTAssertEqual(group.wait(timeout: .now() + 120), .success, "\(accel): every thread finished")
            for (i, engine) in engines.enumerated() {
                XCTAssertEqual(stops[i], .halt, "\(accel) thread \(i)")
                let sum = memory.read(8, at: UInt64(0x8000 + 8 * i)).withUnsafeBytes { $0.load(as: UInt64.self) }
                XCTAssertEqual(sum, 200 * rounds * UInt64(i + 1), "\(accel) thread \(i)")
                _ = engine
            }
            if accel == .jit {
                XCTAssertGreaterThan(first.statistics.flushes, 10, "the small buffer flushed while the threads ran")
            }
        }
    }

    /// Four threads run the same 201 blocks, each block turning hot while the others run its
    /// first translation (tier-up after 5 runs): every block is optimized exactly once, by
    /// whichever thread got there first, and every sum is exact.
    func testThreadsTierUpSharedBlocksOnce() throws {
        let (memory, first) = try ChainedLoop.tierUpEngine(runsBeforeOptimizing: 5, storingSum: true)
        var engines = [first]
        for _ in 1..<4 { engines.append(try Engine(sharing: first)) }
        let rounds: UInt64 = 2000
        let group = DispatchGroup()
        for (i, engine) in engines.enumerated() {
            engine.cpu.pointee.rip = 0x1000
            engine.cpu.pointee.gpr.0 = 0
            engine.cpu.pointee.gpr.1 = UInt64(i + 1)
            engine.cpu.pointee.gpr.3 = UInt64(0x8000 + 8 * i)
            engine.cpu.pointee.gpr.8 = rounds
            let thread = Thread {
                XCTAssertEqual(engine.run(), .halt, "thread \(i)")
                group.leave()
            }
            thread.stackSize = 8 << 20
            group.enter()
            thread.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 120), .success, "every thread finished")
        for i in engines.indices {
            let sum = memory.read(8, at: UInt64(0x8000 + 8 * i)).withUnsafeBytes { $0.load(as: UInt64.self) }
            XCTAssertEqual(sum, 200 * rounds * UInt64(i + 1), "thread \(i)")
        }
        XCTAssertEqual(engines.map(\.statistics.blocksOptimizedWhenHot).reduce(0, +), 201, "each loop block once")
    }
}
