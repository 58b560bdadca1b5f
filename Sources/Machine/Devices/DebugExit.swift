/// QEMU's isa-debug-exit, at port 0xF4 with a 4-byte window: a write of `v` (any width) ends
/// the run with status (v << 1) | 1, so a guest's 0 ("pass") becomes 1 and nothing a guest
/// writes can look like a clean 0.
public final class DebugExit: BusDevice {
    public static let port: UInt16 = 0xF4
    public static let portCount = 4
    private let control: RunControl

    public init(control: RunControl) { self.control = control }

    public func read(offset: UInt64, size: Int) -> UInt64 { 0 }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        control.requestExit(.debugExit(value: UInt32(truncatingIfNeeded: value)))
    }
}
