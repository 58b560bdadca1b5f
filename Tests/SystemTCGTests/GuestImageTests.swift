import XCTest
import Machine

/// Every guest image under tcg and interp gives the serial output and verdict the real CPU
/// gives (the expectations are KVM's, checked there too where /dev/kvm is usable).
final class GuestImageTests: XCTestCase {
    private func assertBoots(_ name: String, input: String = "", commandLine: String = "", output expected: String,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        var skipped: [String] = []
        for kind in GuestImageRunner.Kind.allCases {
            do {
                let run = try GuestImageRunner.boot(name, on: kind, input: input, commandLine: commandLine)
                XCTAssertEqual(run.output, expected, "\(name) under \(kind)", file: file, line: line)
                XCTAssertEqual(run.exit, .debugExit(value: 0), "\(name) under \(kind)", file: file, line: line)
                XCTAssertEqual(run.exit.status, 1, "\(name) under \(kind)", file: file, line: line)
            } catch let skip as XCTSkip {
                skipped.append("\(kind): \(skip.message ?? "skipped")")
            }
        }
        // A skip of every accelerator is a skip of the test; KVM alone is reported.
        if skipped.count == GuestImageRunner.Kind.allCases.count { throw XCTSkip(skipped.joined(separator: "; ")) }
        for reason in skipped { print("skipped \(reason)") }
    }

    func testHello() throws {
        try assertBoots("hello", output: "Hello from a PVH guest!\ncmdline: \"\"\n")
        try assertBoots("hello", commandLine: "console=ttyS0 n=5", output: "Hello from a PVH guest!\ncmdline: \"console=ttyS0 n=5\"\n")
    }

    /// Self-modifying code: stores that patch the next instruction, a function translated
    /// before, and a running loop's body; each must run the new bytes, as under kvm.
    func testSelfModifyingCode() throws {
        try assertBoots("smc", output: """
        patch the next instruction (same block)      2: ok
        patch a function, call it again              30: ok
        patch a loop's body from inside the loop     303: ok
        store data beside code                       23130: ok
        smc: all checks passed

        """)
    }

    func testEcho() throws {
        try assertBoots("echo", input: "hello\nworld\n", output: "hello\nworld\necho: 12 bytes\n")
        try assertBoots("echo", input: "", output: "echo: 0 bytes\n")
    }

    /// Vectors, error codes, RIP, CS and CR2 of #DE, #BP (ring 3), #UD, #GP and #PF.
    func testExceptions() throws {
        try assertBoots("exceptions", output: """
        divide by zero               #DE vector 0 error 0x0 cr2 0x0: ok
        int3 in ring 3 (a trap)      #BP vector 3 error 0x0 cr2 0x0: ok
        ud2                          #UD vector 6 error 0x0 cr2 0x0: ok
        non-canonical load           #GP vector 13 error 0x0 cr2 0x0: ok
        load selector past GDT       #GP vector 13 error 0x48 cr2 0x0: ok
        read of unmapped page        #PF vector 14 error 0x0 cr2 0x40000123: ok
        write of unmapped page       #PF vector 14 error 0x2 cr2 0x40002000: ok
        fetch from unmapped page     #PF vector 14 error 0x10 cr2 0x40000040: ok
        exceptions: all checks passed

        """)
    }

    /// Page-table walks, aliases, remaps, INVLPG, and the #PF error codes and CR2 of
    /// not-present, read-only, NX and U/S faults.
    func testPaging() throws {
        try assertBoots("paging", output: """
        own page tables loaded (CR3)                 ok
        alias: write through one page, read through the other ok
        remap: page 0 moved to another frame         ok
        read of a not-present page                   #PF error 0x0 cr2 0x40000008: ok
        write to a not-present page                  #PF error 0x2 cr2 0x40000010: ok
        write to a read-only page (CR0.WP)           #PF error 0x3 cr2 0x40002004: ok
        fetch from an NX page                        #PF error 0x11 cr2 0x40003000: ok
        the same page runs once NX is cleared        ok
        ring-3 read of a supervisor page             #PF error 0x5 cr2 0x40004064: ok
          ...and the task was killed by #PF          ok
        ring-3 read of a user page returns its byte  ok
        ring-3 write to a read-only user page        #PF error 0x7 cr2 0x40005008: ok
        ring-3 fetch from an NX user page            #PF error 0x15 cr2 0x40006000: ok
        paging: all checks passed

        """)
    }

    func testUsermode() throws {
        try assertBoots("usermode", output: """
        task 1: hello from ring 3 (CPL 3)
        kernel: task 1 (hello) exited with 0: ok
        task 2: write(7) = -9, write(kernel pointer) = -14, syscall 999 = -38, write(empty) = 0
        kernel: task 2 (syscall errors) exited with 42: ok
        task 3: reading kernel memory
        kernel: task 3 (read kernel memory) killed by #PF, error 0x5, cr2 0x100000: ok
        task 4: executing HLT
        kernel: task 4 (privileged instruction) killed by #GP, error 0x0, cr2 0x0: ok
        task 5: writing to the UART port
        kernel: task 5 (port I/O) killed by #GP, error 0x0, cr2 0x0: ok
        usermode: all tasks behaved

        """)
    }

    /// Checksums computed by the same C compiled for the host.
    private let workloads: [(String, String)] = [
        ("sieve", "0x32a20008be2da9e7"), ("sha256", "0x3e6462e3fae01dca"), ("crc32", "0x00000000c66f933d"),
        ("matmul", "0x00003c67c7f07000"), ("fib", "0x000000000000b520"), ("memops", "0x7e98e57f54b1a3a8"),
        ("bytecode", "0x00000aa4adad7459"),
    ]

    func testComputeWorkloadsInRing3() throws {
        for (name, checksum) in workloads {
            try assertBoots(name, output: "\(name): checksum \(checksum)\n\(name): pass\n")
        }
    }

    func testComputeWorkloadInRing0() throws {
        try assertBoots("fib-ring0", output: "fib: checksum 0x000000000000b520\nfib: pass (ring 0)\n")
    }

    func testSmallerMemoryAndCommandLineSize() throws {
        for kind in [GuestImageRunner.Kind.tcg, .interp] {
            let run = try GuestImageRunner.boot("fib", on: kind, commandLine: "n=30", memory: 16 << 20)
            XCTAssertEqual(run.output, "fib: checksum 0x00000000000cb228\nfib: size 30 (not the default, not checked)\n", "\(kind)")
            XCTAssertEqual(run.exit.status, 1)
        }
    }
}
