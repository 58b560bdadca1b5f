/// e_type.
public enum ELFType: Equatable, Sendable {
    case none, relocatable, executable, sharedObject, core
    case other(UInt16)

    init(_ v: UInt16) {
        switch v {
        case 0: self = .none
        case 1: self = .relocatable
        case 2: self = .executable
        case 3: self = .sharedObject
        case 4: self = .core
        default: self = .other(v)
        }
    }
}

/// e_machine values this project meets.
public enum ELFMachine: Equatable, Sendable {
    case x86, x86_64
    case other(UInt16)

    init(_ v: UInt16) {
        switch v {
        case 3: self = .x86
        case 62: self = .x86_64
        default: self = .other(v)
        }
    }
}

/// A program header (segment).
public struct ELFProgramHeader: Equatable, Sendable {
    public var type: UInt32
    public var flags: UInt32
    public var offset: UInt64
    public var virtualAddress: UInt64
    public var physicalAddress: UInt64
    public var fileSize: UInt64
    public var memorySize: UInt64
    public var alignment: UInt64

    public static let load: UInt32 = 1, dynamic: UInt32 = 2, interp: UInt32 = 3, note: UInt32 = 4
    public static let phdr: UInt32 = 6, tls: UInt32 = 7, gnuStack: UInt32 = 0x6474_E551
    public static let executable: UInt32 = 1, writable: UInt32 = 2, readable: UInt32 = 4

    public var isLoad: Bool { type == Self.load }
    public var isExecutable: Bool { flags & Self.executable != 0 }
}

/// A section header with its name resolved.
public struct ELFSection: Equatable, Sendable {
    public var name: String
    public var type: UInt32
    public var flags: UInt64
    public var address: UInt64
    public var offset: UInt64
    public var size: UInt64
    public var link: UInt32
    public var info: UInt32
    public var alignment: UInt64
    public var entrySize: UInt64

    public static let progbits: UInt32 = 1, symtab: UInt32 = 2, strtab: UInt32 = 3, nobits: UInt32 = 8
    public static let dynsym: UInt32 = 11
    public static let flagWrite: UInt64 = 1, flagAlloc: UInt64 = 2, flagExecInstr: UInt64 = 4

    public var isExecutable: Bool { flags & Self.flagExecInstr != 0 }
    /// Whether the section has bytes in the file (NOBITS sections such as .bss do not).
    public var hasFileData: Bool { type != Self.nobits }
}

/// A symbol from .symtab or .dynsym.
public struct ELFSymbol: Equatable, Sendable {
    public var name: String
    public var value: UInt64
    public var size: UInt64
    public var info: UInt8
    public var sectionIndex: UInt16

    public var type: UInt8 { info & 15 }
    public var binding: UInt8 { info >> 4 }
    public static let function: UInt8 = 2
    public var isFunction: Bool { type == Self.function }
}
