import CNativeRunner

/// The address space both sides share: the same code and data addresses natively and in Mimic's
/// guest memory, so every address a snippet computes agrees.
enum Layout {
    static let code = NATIVE_CODE_ADDRESS
    static let codeSize = Int(NATIVE_CODE_SIZE)
    static let data = NATIVE_DATA_ADDRESS
    static let dataSize = Int(NATIVE_DATA_SIZE)
    static var dataEnd: UInt64 { data + UInt64(dataSize) }

    /// The initial stack pointer; the stack grows down through the data region, so pushes are
    /// compared memory like any other store.
    static let stackTop = data + 0xC000

    /// Mimic's guest memory covers the code and the data region and nothing above.
    static let guestMemorySize = 0x1020_0000

    /// An address unmapped natively and beyond Mimic's guest memory: loads and stores there
    /// fault on both sides (page fault, vector 14).
    static let unmapped: UInt64 = 0x5F00_0000_0000

    /// Where base registers of generated memory operands point (inside the data region, with
    /// room on both sides for displacements and string-instruction travel).
    static func dataPointer(offset: Int) -> UInt64 { data + UInt64(offset) }
}
