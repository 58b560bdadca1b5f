import ELF
import Foundation
import X86
import XCTest

/// Runs the host's objdump on a file and compares this decoder with it instruction by instruction:
/// the length at every address objdump prints, and the printed Intel-syntax text.
struct ObjdumpOracle {
    struct Line {
        let address: UInt64
        let length: Int
        let text: String
        let hex: String
    }

    struct Report: CustomStringConvertible {
        var compared = 0
        var lengthMismatches: [String] = []
        var lengthMismatchCount = 0
        /// objdump names an instruction this decoder calls undefined (same length).
        var undefinedHere = 0
        var textMatches = 0
        var textMismatches: [String: (count: Int, example: String)] = [:]

        var textRate: Double { compared == 0 ? 0 : Double(textMatches) / Double(compared) }

        var description: String {
            var s = "compared \(compared) instructions: length mismatches \(lengthMismatchCount), "
            s += "undefined here but named by objdump \(undefinedHere), "
            s += "text identical \(textMatches) (\(String(format: "%.3f", textRate * 100))%)"
            for m in lengthMismatches.prefix(20) { s += "\n  " + m }
            let worst = textMismatches.sorted { $0.value.count > $1.value.count }.prefix(10)
            for (k, v) in worst { s += "\n  text \(k) x\(v.count): \(v.example)" }
            return s
        }
    }

    static var objdumpPath: String? {
        ["/usr/bin/objdump", "/bin/objdump"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// objdump's listing of the executable sections: address, length (from its raw bytes), text.
    static func listing(of path: String) throws -> [Line] {
        guard let objdump = objdumpPath else { throw XCTSkip("objdump is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: objdump)
        process.arguments = ["-d", "-M", "intel", "-w", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var lines: [Line] = []
        lines.reserveCapacity(data.count / 50)
        for raw in data.split(separator: UInt8(ascii: "\n")) {
            let fields = raw.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            guard fields.count >= 3, fields[0].last == UInt8(ascii: ":") else { continue }
            let addressText = String(decoding: fields[0].dropLast(), as: UTF8.self).trimmingCharacters(in: .whitespaces)
            guard let address = UInt64(addressText, radix: 16) else { continue }
            let hex = String(decoding: fields[1], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            let length = hex.split(separator: " ").count
            var text = String(decoding: fields[2], as: UTF8.self)
            if let symbol = text.range(of: " <") { text = String(text[..<symbol.lowerBound]) }
            lines.append(Line(address: address, length: length, text: text, hex: hex))
        }
        return lines
    }

    /// Lines where objdump's view differs from one instruction per address by design: a REX or
    /// other prefix printed alone, operands it cannot name ("?"), and WAIT fused with the next
    /// x87 instruction (FSTSW = WAIT + FNSTSW, which this decoder keeps as two instructions).
    static func isObjdumpArtifact(_ line: Line) -> Bool {
        line.text.hasPrefix("rex") || line.text.contains("?") || line.text.contains("(bad)")
            || (line.hex.hasPrefix("9b ") && line.length > 1)
    }

    static func compare(file path: String, mode: CPUMode = .long64) throws -> Report {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let elf = try ELFFile(bytes: bytes)
        let sections = elf.sections.filter { $0.isExecutable && $0.hasFileData }
        let decoder = Decoder(mode: mode)
        var report = Report()
        for line in try listing(of: path) where !isObjdumpArtifact(line) {
            guard let s = sections.first(where: { line.address >= $0.address && line.address < $0.address + $0.size })
            else { continue }
            let offset = Int(s.offset + (line.address - s.address))
            let end = Int(s.offset + s.size)
            let window = Array(bytes[offset..<min(end, offset + 15)])
            report.compared += 1
            let inst = decoder.decode(window, address: line.address)
            let length = inst.map { Int($0.length) } ?? -1
            if length != line.length {
                report.lengthMismatchCount += 1
                report.lengthMismatches.append(
                    "\(String(line.address, radix: 16)): \(line.hex) objdump \(line.length) here \(length): \(line.text)")
                continue
            }
            guard let inst else { continue }
            if inst.mnemonic == .undefined {
                report.undefinedHere += 1
                continue
            }
            // objdump writes branch targets as bare hex when it also names a symbol.
            let mine = inst.intelSyntax.replacingOccurrences(of: "0x", with: "")
            if mine == line.text.replacingOccurrences(of: "0x", with: "") {
                report.textMatches += 1
            } else {
                let key = String(line.text.split(separator: " ").first ?? "")
                let old = report.textMismatches[key]
                report.textMismatches[key] = ((old?.count ?? 0) + 1,
                                              old?.example ?? "\(line.hex): objdump `\(line.text)` here `\(inst.intelSyntax)`")
            }
        }
        return report
    }
}
