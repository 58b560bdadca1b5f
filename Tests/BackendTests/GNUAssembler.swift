import Foundation

/// Assembles Intel-syntax lines with GNU `as` and returns the machine code of each line.
/// Every line is followed by `.balign 16` padding of int3, so line i is the 16-byte chunk i
/// with its trailing 0xCC bytes removed up to the instruction's own length.
enum GNUAssembler {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func assemble(_ lines: [String]) throws -> [[UInt8]] {
        var source = ""
        for line in lines { source += "\(line)\n.balign 16, 0xcc\n" }
        let data = try assemble(source: source)
        guard data.count == 16 * lines.count else {
            throw Failure(description: "expected \(16 * lines.count) bytes, got \(data.count)")
        }
        return (0..<lines.count).map { Array(data[16 * $0..<16 * $0 + 16]) }
    }

    /// The .text bytes of an Intel-syntax source.
    static func assemble(source body: String) throws -> [UInt8] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mimic-as-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = ".intel_syntax noprefix\n.text\n" + body + "\n"
        let s = dir.appendingPathComponent("x.s"), o = dir.appendingPathComponent("x.o"), bin = dir.appendingPathComponent("x.bin")
        try source.write(to: s, atomically: true, encoding: .utf8)
        try run("/usr/bin/as", ["--64", "-o", o.path, s.path])
        try run("/usr/bin/objcopy", ["-O", "binary", "-j", ".text", o.path, bin.path])
        return [UInt8](try Data(contentsOf: bin))
    }

    private static func run(_ tool: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        if p.terminationStatus != 0 {
            let msg = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw Failure(description: "\(tool) failed: \(msg)")
        }
    }
}
