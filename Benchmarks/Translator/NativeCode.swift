#if canImport(Glibc)
import Glibc
#endif

/// Guest code run natively on the host: copied into a fresh mapping that is written, then made
/// read+execute (never writable and executable at once), behind a small wrapper that makes it a
/// C function `rax = f(rcx)`: it saves the callee-saved registers the guest code may clobber,
/// loads RCX from the argument and RAX with zero, and calls the code, which ends with RET.
final class NativeCode {
    typealias Function = @convention(c) (UInt64) -> UInt64

    let function: Function
    private let mapping: UnsafeMutableRawPointer
    private let size: Int

    struct Failure: Error, CustomStringConvertible { var description: String }

    static let bodyOffset = 64

    init(_ body: [UInt8]) throws {
        var wrapper: [UInt8] = [
            0x53,                    // push rbx
            0x55,                    // push rbp
            0x41, 0x54,              // push r12
            0x41, 0x55,              // push r13
            0x41, 0x56,              // push r14
            0x41, 0x57,              // push r15
            0x48, 0x83, 0xEC, 0x08,  // sub rsp, 8     (the body is entered with rsp 16-byte aligned minus 8)
            0x48, 0x89, 0xF9,        // mov rcx, rdi
            0x31, 0xC0,              // xor eax, eax
        ]
        let callDisplacement = Int32(Self.bodyOffset - (wrapper.count + 5))
        wrapper.append(0xE8)         // call body
        withUnsafeBytes(of: callDisplacement.littleEndian) { wrapper.append(contentsOf: $0) }
        wrapper += [
            0x48, 0x83, 0xC4, 0x08,  // add rsp, 8
            0x41, 0x5F,              // pop r15
            0x41, 0x5E,              // pop r14
            0x41, 0x5D,              // pop r13
            0x41, 0x5C,              // pop r12
            0x5D,                    // pop rbp
            0x5B,                    // pop rbx
            0xC3,                    // ret
        ]
        precondition(wrapper.count <= Self.bodyOffset)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        size = (Self.bodyOffset + body.count + page - 1) / page * page
        guard let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
            throw Failure(description: "mmap failed")
        }
        mapping = p
        p.initializeMemory(as: UInt8.self, repeating: 0xCC, count: size)  // int3 between wrapper and body
        wrapper.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        body.withUnsafeBytes { (p + Self.bodyOffset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        guard mprotect(p, size, PROT_READ | PROT_EXEC) == 0 else {
            munmap(p, size)
            throw Failure(description: "mprotect RX failed")
        }
        function = unsafeBitCast(p, to: Function.self)
    }

    deinit { munmap(mapping, size) }
}

/// Host memory at a fixed low address, for native runs of guest code that addresses its data
/// absolutely (the sieve's array at 0x100000).
final class FixedMapping {
    let address: UnsafeMutableRawPointer
    let size: Int

    init(address: UInt64, bytes: Int) throws {
        let wanted = UnsafeMutableRawPointer(bitPattern: UInt(address))
        guard let p = mmap(wanted, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
            throw NativeCode.Failure(description: "mmap failed")
        }
        guard p == wanted else {
            munmap(p, bytes)
            throw NativeCode.Failure(description: "host address \(String(address, radix: 16)) is taken; no native run")
        }
        self.address = p
        size = bytes
    }

    deinit { munmap(address, size) }
}
