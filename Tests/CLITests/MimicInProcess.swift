import ArgumentParser
import Foundation
import MimicCLI

/// Runs `mimic ARGUMENTS` inside the test process, as the command line would.
enum MimicInProcess {
    /// The exit code the command ends with.
    static func exitStatus(_ arguments: [String]) -> Int32 {
        do {
            var command = try MimicCommand.parseAsRoot(InspectionOptions.expandingStatsFormat(arguments))
            try command.run()
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            return -1
        }
    }

    /// The same with descriptor `descriptor` (1 or 2) captured: what it received, and the code.
    static func capturing(_ descriptor: Int32, _ arguments: [String]) throws -> (text: String, status: Int32) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mimic-fd\(descriptor)-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        fflush(stdout)
        fflush(stderr)
        let saved = dup(descriptor)
        let file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        dup2(file, descriptor)
        close(file)
        let status = exitStatus(arguments)
        fflush(stdout)
        fflush(stderr)
        dup2(saved, descriptor)
        close(saved)
        return (try String(contentsOfFile: path, encoding: .utf8), status)
    }
}
