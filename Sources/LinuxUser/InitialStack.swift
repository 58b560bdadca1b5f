/// The stack a new Linux x86-64 process starts with, laid out as the kernel's ELF loader does.
///
/// From the top: an 8-byte zero end marker, the program's path (AT_EXECFN), the environment
/// strings, the argument strings (so argv[0] is the lowest string); then, 16-byte aligned
/// below, the platform string "x86_64" (AT_PLATFORM) and 16 random bytes (AT_RANDOM); then,
/// at a 16-byte-aligned rsp: argc, argv[], NULL, envp[], NULL, the auxiliary vector, AT_NULL.
public struct InitialStack: Equatable, Sendable {
    /// Where rsp points at the program's entry.
    public var stackPointer: UInt64
    /// The bytes of [stackPointer, top).
    public var bytes: [UInt8]
    /// The auxiliary vector as written, with AT_RANDOM, AT_EXECFN and AT_PLATFORM filled in.
    public var auxiliaryVector: AuxiliaryVector

    public static let platform = "x86_64"

    public init(top: UInt64, arguments: [String], environment: [String], executableName: String,
                auxiliaryVector: AuxiliaryVector, random: [UInt8]) {
        precondition(random.count == 16 && top % 16 == 0)
        var strings: [UInt8] = []  // grows downward: prepend as the kernel copies them
        var p = top - 8
        func place(_ s: String) -> UInt64 {
            let b = Array(s.utf8) + [0]
            p -= UInt64(b.count)
            strings = b + strings
            return p
        }
        let execfn = place(executableName)
        var envAddresses: [UInt64] = []
        for e in environment.reversed() { envAddresses.insert(place(e), at: 0) }
        var argAddresses: [UInt64] = []
        for a in arguments.reversed() { argAddresses.insert(place(a), at: 0) }
        let stringsBottom = p
        p &= ~15
        p -= UInt64(InitialStack.platform.utf8.count + 1)
        let platform = p
        p -= 16
        let randomAddress = p
        var aux = auxiliaryVector
        for i in aux.entries.indices {
            switch aux.entries[i].type {
            case .random: aux.entries[i].value = randomAddress
            case .execfn: aux.entries[i].value = execfn
            case .platform: aux.entries[i].value = platform
            default: break
            }
        }
        let words = 1 + (arguments.count + 1) + (environment.count + 1) + 2 * (aux.entries.count + 1)
        let sp = (p - UInt64(8 * words)) & ~15
        var vector: [UInt64] = [UInt64(arguments.count)] + argAddresses + [0] + envAddresses + [0]
        for (type, value) in aux.entries { vector += [type.rawValue, value] }
        vector += [AuxType.null.rawValue, 0]

        var image = [UInt8](repeating: 0, count: Int(top - sp))
        func put(_ address: UInt64, _ b: [UInt8]) {
            let at = Int(address - sp)
            image.replaceSubrange(at..<(at + b.count), with: b)
        }
        for (i, w) in vector.enumerated() {
            withUnsafeBytes(of: w.littleEndian) { put(sp + UInt64(8 * i), Array($0)) }
        }
        put(randomAddress, random)
        put(platform, Array(InitialStack.platform.utf8) + [0])
        put(stringsBottom, strings)
        stackPointer = sp
        bytes = image
        self.auxiliaryVector = aux
    }
}
