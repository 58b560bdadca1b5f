import Foundation

/// The guest images under guest-images/, built with make on first use (make rebuilds stale
/// ones), for every test target that boots them.
public enum GuestImageBuild {
    public static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("guest-images")

    /// Why the images cannot be built here (the test then skips with it), or nil once they are.
    public static let unavailableReason: String? = build()

    /// The built image `name` (call after checking `unavailableReason`).
    public static func path(_ name: String) -> String {
        directory.appendingPathComponent("build/\(name).elf").path
    }

    private static func build() -> String? {
        for tool in ["make", "gcc"] where !onPath(tool) { return "\(tool) is not installed: cannot build the guest images" }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["make", "-s", "-C", directory.path]
        let log = Pipe()
        p.standardOutput = log
        p.standardError = log
        do { try p.run() } catch { return "cannot run make: \(error)" }
        let output = log.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            return "make -C guest-images failed: " + String(decoding: output, as: UTF8.self)
        }
        return nil
    }

    private static func onPath(_ tool: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
    }
}
