/// What `-d` logs, with QEMU's names and meanings.
public struct LogItems: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Guest instructions of each translated block.
    public static let inAsm = LogItems(rawValue: 1 << 0)
    /// IR before the optimizer.
    public static let op = LogItems(rawValue: 1 << 1)
    /// IR after the optimizer.
    public static let opOpt = LogItems(rawValue: 1 << 2)
    /// Host code of each block, with each guest instruction's range marked.
    public static let outAsm = LogItems(rawValue: 1 << 3)
    /// One line per block entered from the execution loop (chained jumps stay in generated code).
    public static let exec = LogItems(rawValue: 1 << 4)
    /// Registers and flags at each block entered from the execution loop.
    public static let cpu = LogItems(rawValue: 1 << 5)
    /// Exceptions and interrupts: vector, error code, pc, fault address.
    public static let int = LogItems(rawValue: 1 << 6)
    /// Instructions Mimic decodes but does not translate, and syscalls it does not implement.
    public static let unimp = LogItems(rawValue: 1 << 7)
    /// User mode: each syscall with its decoded arguments and result.
    public static let strace = LogItems(rawValue: 1 << 8)
    /// System mode under KVM: each exit from KVM_RUN with its reason.
    public static let kvm = LogItems(rawValue: 1 << 9)
    /// No chaining and no jump cache: every block comes back to the execution loop, so `exec`
    /// and `cpu` show every block executed.
    public static let nochain = LogItems(rawValue: 1 << 10)

    /// The items that describe one translated block (restricted by `-dfilter`).
    public static let translation: LogItems = [.inAsm, .op, .opOpt, .outAsm]
    /// The items printed when the execution loop enters a block (restricted by `-dfilter`).
    public static let blockEntry: LogItems = [.exec, .cpu]

    public static let names: [(name: String, item: LogItems, help: String)] = [
        ("in_asm", .inAsm, "the guest instructions of each translated block"),
        ("op", .op, "the IR of each block before optimization"),
        ("op_opt", .opOpt, "the IR of each block after optimization"),
        ("out_asm", .outAsm, "the host code of each block, each guest instruction's range marked"),
        ("exec", .exec, "each block entered from the execution loop"),
        ("cpu", .cpu, "the registers and flags at each block entered from the execution loop"),
        ("int", .int, "exceptions and interrupts: vector, error code, pc, fault address"),
        ("unimp", .unimp, "instructions and syscalls Mimic does not implement"),
        ("strace", .strace, "user mode: each syscall with its arguments and result"),
        ("kvm", .kvm, "system mode under kvm: each exit from KVM_RUN with its reason"),
        ("nochain", .nochain, "do not chain blocks, so exec and cpu show every block executed"),
    ]

    /// The `-d help` text.
    public static var helpText: String {
        let width = names.map(\.name.count).max() ?? 0
        var out = "Log items (-d ITEM,ITEM,...; -D FILE writes them to FILE):\n"
        for entry in names {
            out += "  " + entry.name + String(repeating: " ", count: width - entry.name.count + 2) + entry.help + "\n"
        }
        out += "  -dfilter ADDR[+LEN],... restricts in_asm, op, op_opt, out_asm, exec and cpu to blocks starting in those ranges\n"
        return out
    }

    /// Parses a comma-separated list such as `in_asm,op_opt`.
    public static func parse(_ list: String) throws(LogError) -> LogItems {
        var items: LogItems = []
        for name in list.split(separator: ",", omittingEmptySubsequences: false) {
            guard let entry = names.first(where: { $0.name == name }) else {
                throw LogError(description: "unknown log item '\(name)' (valid: \(names.map(\.name).joined(separator: ", ")))")
            }
            items.insert(entry.item)
        }
        return items
    }
}

public struct LogError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}
