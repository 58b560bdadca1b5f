import Lifter
import X86

/// Real guest code to translate: the .text of /bin/busybox (Debian's busybox-static), cut into
/// blocks the way the translator cuts it: a block starts where the previous one ended.
final class BlockCorpus {
    static let path = "/bin/busybox"

    /// The section's bytes, kept in one allocation so the loops need no array access.
    let code: UnsafeRawBufferPointer
    let address: UInt64
    /// The guest pc of every block, in order.
    let blockStarts: [UInt64]
    /// Guest instructions in all blocks together.
    let instructionCount: Int

    /// The corpus, read and cut once per process; nil (with the reason printed) when the file is missing.
    nonisolated(unsafe) static let busybox: BlockCorpus? = {
        do {
            return try BlockCorpus(elfPath: path)
        } catch {
            print("translation benchmarks need \(path) (apt-get install busybox-static): \(error)")
            return nil
        }
    }()

    init(elfPath: String) throws {
        let text = try TextSection(elfPath: elfPath)
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: text.bytes.count, alignment: 64)
        storage.copyBytes(from: text.bytes)
        code = UnsafeRawBufferPointer(storage)
        address = text.address

        let lifter = Lifter(mode: .long64)
        let end = address + UInt64(code.count)
        var starts: [UInt64] = []
        var count = 0
        var pc = address
        while pc < end {
            let block = lifter.translate(code: code, codeAddress: address, pc: pc)
            starts.append(pc)
            count += block.instructionCount
            // A block that could not fetch its first instruction (the section's last bytes) ends nowhere.
            pc = block.endAddress > pc ? block.endAddress : pc + 1
        }
        blockStarts = starts
        instructionCount = count
    }

    /// The pc just past the section: where a linear decode stops.
    var end: UInt64 { address + UInt64(code.count) }
}
