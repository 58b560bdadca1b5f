/// The globals every block of one guest architecture starts with: named fields of the CPU state.
/// They occupy the first temps of each block, in this order.
public struct GlobalLayout: Sendable {
    public struct Global: Sendable {
        public var name: String
        public var offset: Int
        public var type: IRType
        public init(name: String, offset: Int, type: IRType) {
            self.name = name
            self.offset = offset
            self.type = type
        }
    }

    public var globals: [Global] { didSet { temps = Self.temps(of: globals) } }
    /// The globals' entries of a block's temp table, made once: every block starts with them.
    public private(set) var temps: [TempInfo]
    /// The global that holds the guest program counter: `goto_tb` writes its target there on
    /// the way out of generated code (and only then, so chained blocks never store it).
    public var programCounter: Int

    public init(_ globals: [Global], programCounter: Int = 0) {
        self.globals = globals
        self.programCounter = programCounter
        temps = Self.temps(of: globals)
    }

    static func temps(of globals: [Global]) -> [TempInfo] {
        globals.map { TempInfo(kind: .global, type: $0.type, value: UInt64($0.offset)) }
    }

    @inlinable public var count: Int { globals.count }
}
