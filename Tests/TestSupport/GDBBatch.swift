import Foundation

/// The real gdb (Debian package gdb) in batch mode against a stub on 127.0.0.1.
public enum GDBBatch {
    public static let path = "/usr/bin/gdb"

    /// Why gdb cannot run here, or nil.
    public static var unavailableReason: String? {
        FileManager.default.isExecutableFile(atPath: path) ? nil : "gdb is not installed (Debian package gdb)"
    }

    /// Runs `commands` after connecting to `port`, with `symbols` (an ELF) loaded when given;
    /// returns what gdb printed (standard output and error together).
    public static func run(port: UInt16, symbols: String? = nil, _ commands: [String]) throws -> String {
        let gdb = Process()
        gdb.executableURL = URL(fileURLWithPath: path)
        gdb.arguments = ["-nx", "-batch", "-ex", "set pagination off", "-ex", "target remote 127.0.0.1:\(port)"]
            + commands.flatMap { ["-ex", $0] } + (symbols.map { [$0] } ?? [])
        let output = Pipe()
        gdb.standardOutput = output
        gdb.standardError = output
        try gdb.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        gdb.waitUntilExit()
        return text
    }
}
