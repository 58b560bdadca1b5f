/// Auxiliary vector entry types (the AT_* values of the System V ABI and Linux's elf.h).
public enum AuxType: UInt64, Sendable {
    case null = 0
    case phdr = 3
    case phent = 4
    case phnum = 5
    case pagesz = 6
    case base = 7
    case flags = 8
    case entry = 9
    case uid = 11
    case euid = 12
    case gid = 13
    case egid = 14
    case platform = 15
    case hwcap = 16
    case clktck = 17
    case secure = 23
    case random = 25
    case hwcap2 = 26
    case execfn = 31
    case minsigstksz = 51
}

/// The auxiliary vector Linux x86-64 gives a new program, in the kernel's order. AT_RANDOM,
/// AT_EXECFN and AT_PLATFORM point into the stack, so `InitialStack` fills their values.
public struct AuxiliaryVector: Equatable, Sendable {
    public var entries: [(type: AuxType, value: UInt64)]

    public static func == (a: AuxiliaryVector, b: AuxiliaryVector) -> Bool {
        a.entries.map(\.type) == b.entries.map(\.type) && a.entries.map(\.value) == b.entries.map(\.value)
    }

    /// `image` is the program, `interpreterBase` where its dynamic loader was put (0: none).
    public init(image: LoadedImage, interpreterBase: UInt64, hwcap: UInt64, minimumSignalStack: UInt64) {
        entries = [
            (.hwcap, hwcap),
            (.minsigstksz, minimumSignalStack),
            (.pagesz, AddressSpace.pageSize),
            (.clktck, 100),
            (.phdr, image.programHeaders),
            (.phent, 56),
            (.phnum, UInt64(image.programHeaderCount)),
            (.base, interpreterBase),
            (.flags, 0),
            (.entry, image.entry),
            (.uid, UInt64(getuid())),
            (.euid, UInt64(geteuid())),
            (.gid, UInt64(getgid())),
            (.egid, UInt64(getegid())),
            (.secure, 0),
            (.random, 0),
            (.hwcap2, 0),
            (.execfn, 0),
            (.platform, 0),
        ]
    }

    public func value(_ type: AuxType) -> UInt64? { entries.first { $0.type == type }?.value }
}

#if canImport(Glibc)
import Glibc
#endif
