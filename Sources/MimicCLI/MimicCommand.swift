import ArgumentParser

public struct MimicCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "mimic",
        abstract: "A dynamic binary translator for x86-64 guests.",
        subcommands: [DemoCommand.self, BootCommand.self, DisasmCommand.self, BenchCommand.self, RunCommand.self, ExplainCommand.self])
    public init() {}

    /// Runs the command line (`--stats=json` rewritten first, see `InspectionOptions`).
    public static func main() {
        main(InspectionOptions.expandingStatsFormat(Array(CommandLine.arguments.dropFirst())))
    }
}
