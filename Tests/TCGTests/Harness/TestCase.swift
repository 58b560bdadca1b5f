/// One snippet with the state it starts from.
struct TestCase {
    /// What failures are counted under, e.g. "adc r8" or "random".
    var key: String
    var program: [Piece]
    var input: MachineState
    /// Bytes stored into the data region (offsets from `Layout.data`) before the run, on top of
    /// the family's random image.
    var patches: [(offset: Int, bytes: [UInt8])] = []

    init(_ key: String, _ program: [Piece], input: MachineState, patches: [(offset: Int, bytes: [UInt8])] = []) {
        self.key = key
        self.program = program
        self.input = input
        self.patches = patches
    }

    init(_ key: String, _ insns: [Insn], input: MachineState, patches: [(offset: Int, bytes: [UInt8])] = []) {
        self.init(key, insns.map(Piece.insn), input: input, patches: patches)
    }

    var assembly: [String] { program.assembly() }

    /// The data region this case starts with: `image`, the patches, and the RFLAGS image the
    /// runner leaves just below the initial stack pointer (natively it is loaded with POPFQ from
    /// there, so Mimic's memory must hold it too).
    func initialData(from image: [UInt8]) -> [UInt8] {
        var data = image
        for patch in patches {
            data.replaceSubrange(patch.offset..<patch.offset + patch.bytes.count, with: patch.bytes)
        }
        let rsp = input[.rsp]
        if rsp >= Layout.data + 8 && rsp <= Layout.dataEnd {
            let at = Int(rsp - 8 - Layout.data)
            withUnsafeBytes(of: input.flags.rflagsImage.littleEndian) { data.replaceSubrange(at..<at + 8, with: $0) }
        }
        return data
    }
}
