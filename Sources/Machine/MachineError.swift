/// Everything that can go wrong while building or loading a machine. Each case renders as one
/// line that names the problem, for the command line to print as is.
public enum MachineError: Error, Equatable, CustomStringConvertible {
    case badMemorySize(String)
    case outsideRAM(UInt64, UInt64)
    case hostFailure(String)
    case badImage(path: String, reason: String)

    public var description: String {
        switch self {
        case .badMemorySize(let s): return "bad memory size: \(s)"
        case .outsideRAM(let a, let n): return "guest range 0x\(String(a, radix: 16)) (+\(n) bytes) is outside guest RAM"
        case .hostFailure(let s): return s
        case .badImage(let path, let reason): return "\(path): \(reason)"
        }
    }
}
