/// A helper: a C-ABI function that generated code and the interpreter call alike.
/// Every helper receives the CPU state first, then up to four 64-bit arguments.
public typealias HelperFunction = @convention(c) (
    UnsafeMutableRawPointer?, UInt64, UInt64, UInt64, UInt64
) -> UInt64

public struct HelperFlags: OptionSet, Sendable {
    public let rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Reads guest registers or flags from the CPU state: globals are written back before the call.
    @inlinable public static var readsState: HelperFlags { HelperFlags(rawValue: 1) }
    /// Writes guest registers or flags: globals are reloaded after the call.
    @inlinable public static var writesState: HelperFlags { HelperFlags(rawValue: 2) }
    /// May set `exception` in the CPU state; generated code then leaves the block at the call's
    /// guest instruction.
    @inlinable public static var mayRaise: HelperFlags { HelperFlags(rawValue: 4) }
    /// Neither reads nor writes nor raises: a pure function of its arguments.
    @inlinable public static var pure: HelperFlags { [] }
}

public struct Helper: Sendable {
    /// The name listings show (`-d op`, statistics).
    public var name: String { namer?() ?? fixedName }
    private var fixedName: String
    private var namer: (@Sendable () -> String)?
    public var function: HelperFunction
    public var argumentCount: Int
    public var returnsValue: Bool
    public var flags: HelperFlags

    public init(name: String, function: HelperFunction, argumentCount: Int, returnsValue: Bool, flags: HelperFlags) {
        fixedName = name
        self.function = function
        self.argumentCount = argumentCount
        self.returnsValue = returnsValue
        self.flags = flags
    }

    /// A helper whose name `namer` makes when it is shown: for helpers registered on the
    /// translation path, where formatting a name costs more than the rest of the registration.
    public init(namedBy namer: @escaping @Sendable () -> String, function: HelperFunction, argumentCount: Int,
                returnsValue: Bool, flags: HelperFlags) {
        self.init(name: "", function: function, argumentCount: argumentCount, returnsValue: returnsValue, flags: flags)
        self.namer = namer
    }
}

/// The process-wide list of helpers; a `call` op names one by its index here.
/// Helpers are registered once, when the component that owns them is first used, and never removed.
public enum Helpers {
    public static let capacity = 1 << 16
    nonisolated(unsafe) private static let table = UnsafeMutablePointer<Helper?>.allocate(capacity: capacity)
    nonisolated(unsafe) private static var count = 0
    private static let lock = Lock()

    /// Registers `helper` and returns its index for `call` ops.
    public static func register(_ helper: Helper) -> Int {
        lock.withLock {
            precondition(count < capacity, "too many helpers")
            (table + count).initialize(to: helper)
            count += 1
            return count - 1
        }
    }

    @inline(__always)
    public static subscript(index: Int) -> Helper { table[index]! }

    /// Helper `index`'s flags, without copying the rest of its entry (the passes ask on every call op).
    @inline(__always)
    public static func flags(_ index: Int) -> HelperFlags { table[index]!.flags }

    public static var registeredCount: Int { lock.withLock { count } }
}
