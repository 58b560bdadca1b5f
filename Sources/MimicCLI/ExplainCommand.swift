import ArgumentParser
import Foundation

/// `mimic explain --html OUT.html demo|run PROGRAM...|boot IMAGE`: runs the guest as that
/// command would, then writes the explain page (see `ExplainPage`).
public struct ExplainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "explain",
        abstract: "Run a guest and write a self-contained HTML page that shows how Mimic translated its hottest blocks.",
        usage: "mimic explain --html OUT.html demo | run [OPTIONS] PROGRAM [ARGS...] | boot [OPTIONS] IMAGE")

    @Option(name: .long, help: "The HTML file to write.")
    var html: String

    @Argument(parsing: .captureForPassthrough, help: "The command to explain (demo, run or boot) and its arguments.")
    var guest: [String] = []

    public init() {}

    static let explained = ["demo", "run", "boot"]

    public func run() throws {
        guard let command = guest.first, Self.explained.contains(command) else {
            FileHandle.standardError.write(Data("mimic explain: expected demo, run or boot after --html FILE\n".utf8))
            throw ExitCode(2)
        }
        var inner = try MimicCommand.parseAsRoot([command, "--explain-html", html] + guest.dropFirst())
        try inner.run()
    }
}
