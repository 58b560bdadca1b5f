/// The part of the i8042 keyboard controller a PC guest uses to reset the machine: ports 0x60
/// (data) and 0x64 (status on read, command on write). Command 0xFE pulses the CPU reset line;
/// 0xAA (self-test) answers 0x55; 0x20/0x60 read and write the command byte; 0xD1 writes the
/// output port, where clearing bit 0 also resets. No keyboard is attached.
public final class I8042: BusDevice {
    public static let dataPort: UInt16 = 0x60
    public static let commandPort: UInt16 = 0x64

    private let control: RunControl
    private var outputBuffer: UInt8?
    private var commandByte: UInt8 = 0x45
    /// The command waiting for its data byte on port 0x60 (0x60 or 0xD1).
    private var pendingCommand: UInt8?
    private var lastWriteWasCommand = false

    public init(control: RunControl) { self.control = control }

    /// Status: bit 0 output buffer full, bit 2 system flag (self-test passed), bit 3 last write
    /// was a command, bit 4 keyboard not inhibited.
    public var status: UInt8 {
        (outputBuffer != nil ? 0x01 : 0) | 0x04 | (lastWriteWasCommand ? 0x08 : 0) | 0x10
    }

    /// Offset 0 is port 0x60, offset 4 is port 0x64 (registered with a device offset).
    public func read(offset: UInt64, size: Int) -> UInt64 {
        if offset == 4 { return UInt64(status) }
        defer { outputBuffer = nil }
        return UInt64(outputBuffer ?? 0)
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        let v = UInt8(truncatingIfNeeded: value)
        lastWriteWasCommand = offset == 4
        if offset == 4 { command(v); return }
        switch pendingCommand {
        case 0x60: commandByte = v
        case 0xD1: if v & 0x01 == 0 { control.requestExit(.reset) }
        default: break   // bytes for the keyboard itself: none is attached
        }
        pendingCommand = nil
    }

    private func command(_ v: UInt8) {
        pendingCommand = nil
        switch v {
        case 0x20: outputBuffer = commandByte
        case 0x60, 0xD1: pendingCommand = v
        case 0xAA: outputBuffer = 0x55
        case 0xFE: control.requestExit(.reset)
        default: break
        }
    }
}
