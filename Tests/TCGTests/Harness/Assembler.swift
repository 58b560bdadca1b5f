import Foundation

/// Turns Intel-syntax snippets into bytes with GNU `as`, thousands per assembler run.
///
/// Each snippet sits between two labels in .text; a second section records every snippet's
/// start and length as label differences, which the assembler resolves after relaxing jumps.
/// `objcopy -O binary` then extracts both sections. Snippets are position independent as long
/// as they branch only to their own labels (relative) and use absolute addresses for data.
enum Assembler {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Why the assembler cannot run here, or nil when `as` and `objcopy` are on PATH.
    static var unavailableReason: String? {
        let missing = ["as", "objcopy"].filter { tool(named: $0) == nil }
        return missing.isEmpty ? nil : "GNU binutils not found on PATH: \(missing.joined(separator: ", "))"
    }

    /// Assembles every snippet (lines of Intel-syntax assembly). A snippet the assembler rejects
    /// gets `.failure` with its error messages; the others still assemble.
    static func assemble(_ snippets: [[String]]) throws -> [Result<[UInt8], Failure>] {
        var results = [Result<[UInt8], Failure>?](repeating: nil, count: snippets.count)
        var pending = Array(snippets.indices)
        // Each rejected snippet is dropped and the rest reassembled; a few rounds cover the
        // usual case of one or two bad generators.
        for _ in 0..<4 where !pending.isEmpty {
            switch try assembleBatch(pending.map { snippets[$0] }) {
            case .success(let bytes):
                for (i, index) in pending.enumerated() { results[index] = .success(bytes[i]) }
                pending = []
            case .failure(let rejected):
                for (i, message) in rejected { results[pending[i]] = .failure(Failure(description: message)) }
                pending = pending.enumerated().filter { rejected[$0.offset] == nil }.map(\.element)
            }
        }
        for index in pending { results[index] = .failure(Failure(description: "not assembled: too many rejected snippets in its batch")) }
        return results.map { $0! }
    }

    /// Either every snippet's bytes, or the messages for the snippets the assembler rejected.
    private enum BatchResult {
        case success([[UInt8]])
        case failure([Int: String])
    }

    private static func assembleBatch(_ snippets: [[String]]) throws -> BatchResult {
        let (source, lineOwner) = render(snippets)
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mimic-as-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sourceFile = directory.appendingPathComponent("snippets.s")
        let objectFile = directory.appendingPathComponent("snippets.o")
        let textFile = directory.appendingPathComponent("text.bin")
        let layoutFile = directory.appendingPathComponent("layout.bin")
        try source.write(to: sourceFile, atomically: false, encoding: .utf8)

        let assembled = try runTool("as", ["--64", "-o", objectFile.path, sourceFile.path])
        if assembled.status != 0 {
            var rejected: [Int: String] = [:]
            for line in assembled.errors.split(separator: "\n") {
                // "<file>:<line>: Error: <message>"
                let parts = line.split(separator: ":", maxSplits: 3)
                guard parts.count >= 3, let number = Int(parts[1]), parts[2].contains("Error"),
                      let owner = lineOwner[number] else { continue }
                rejected[owner, default: ""] += String(line.dropFirst(parts[0].count + 1)) + "\n"
            }
            if !rejected.isEmpty { return .failure(rejected) }
            // Errors without a line (an undefined local label is reported at the end of the
            // file): split the batch until the culprits stand alone.
            if snippets.count == 1 { return .failure([0: assembled.errors]) }
            let half = snippets.count / 2
            let parts = [0..<half, half..<snippets.count]
            var bytes: [[UInt8]] = []
            var blamed: [Int: String] = [:]
            for part in parts {
                switch try assembleBatch(Array(snippets[part])) {
                case .success(let partBytes): bytes += partBytes
                case .failure(let partRejected):
                    for (i, message) in partRejected { blamed[part.lowerBound + i] = message }
                }
            }
            return blamed.isEmpty ? .success(bytes) : .failure(blamed)
        }
        for (section, file) in [(".text", textFile), (".mimic_layout", layoutFile)] {
            let copied = try runTool("objcopy", ["-O", "binary", "-j", section, objectFile.path, file.path])
            if copied.status != 0 { throw Failure(description: "objcopy \(section) failed:\n\(copied.errors)") }
        }
        let text = [UInt8](try Data(contentsOf: textFile))
        let layout = [UInt8](try Data(contentsOf: layoutFile))
        guard layout.count == snippets.count * 8 else {
            throw Failure(description: "layout section has \(layout.count) bytes for \(snippets.count) snippets")
        }
        func word(_ at: Int) -> Int {
            Int(layout[at]) | Int(layout[at + 1]) << 8 | Int(layout[at + 2]) << 16 | Int(layout[at + 3]) << 24
        }
        return .success(snippets.indices.map { i in
            let start = word(i * 8), length = word(i * 8 + 4)
            return Array(text[start..<start + length])
        })
    }

    /// The source text, and for each line number the snippet that owns it.
    private static func render(_ snippets: [[String]]) -> (String, [Int: Int]) {
        var lines = [".intel_syntax noprefix", ".text", ".Lmimic_text:"]
        var owner: [Int: Int] = [:]
        for (i, snippet) in snippets.enumerated() {
            lines.append(".Lmimic_start_\(i):")
            for line in snippet {
                lines.append("  " + line)
                owner[lines.count] = i
            }
            lines.append(".Lmimic_end_\(i):")
        }
        lines.append(".section .mimic_layout, \"a\"")
        for i in snippets.indices {
            lines.append(".long .Lmimic_start_\(i) - .Lmimic_text, .Lmimic_end_\(i) - .Lmimic_start_\(i)")
        }
        return (lines.joined(separator: "\n") + "\n", owner)
    }

    private static func tool(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private static func runTool(_ name: String, _ arguments: [String]) throws -> (status: Int32, errors: String) {
        guard let path = tool(named: name) else { throw Failure(description: "\(name) not found on PATH") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: message, as: UTF8.self))
    }
}
