/// A PC-like machine without firmware: RAM from address 0, the legacy devices a small guest
/// uses, and the boot CPU's initial state. Accelerators run it; the loader fills it.
///
/// Port map: 0x40-0x43 i8254 PIT, 0x60/0x64 i8042, 0x70-0x71 CMOS RTC, 0xF4-0xF7 debug-exit,
/// 0x3F8-0x3FF COM1 16550A. Everything else reads as all ones.
public final class Machine: @unchecked Sendable {
    public let ram: GuestRAM
    public let ports = PortIOBus()
    public let mmio = MMIOBus()
    public let control = RunControl()

    public let uart: UART16550
    public let serialOutput: SerialOutput
    public let debugExit: DebugExit
    public let rtc: CMOSRTC
    public let pit: I8254PIT
    public let keyboardController: I8042

    /// Where the boot CPU starts; set by a loader.
    public var bootState = SystemCPUState()

    public init(memorySize: UInt64 = MemorySize.defaultSize,
                serialOutput: SerialOutput = StandardOutputSink(),
                serialInput: SerialInput = NoInput()) throws(MachineError) {
        ram = try GuestRAM(size: memorySize)
        self.serialOutput = serialOutput
        uart = UART16550(output: serialOutput, input: serialInput)
        debugExit = DebugExit(control: control)
        rtc = CMOSRTC()
        pit = I8254PIT()
        keyboardController = I8042(control: control)

        ports.register(pit, base: I8254PIT.port, count: I8254PIT.portCount)
        ports.register(keyboardController, base: I8042.dataPort, count: 1)
        ports.register(keyboardController, base: I8042.commandPort, count: 1, deviceOffset: 4)
        ports.register(rtc, base: CMOSRTC.port, count: CMOSRTC.portCount)
        ports.register(debugExit, base: DebugExit.port, count: DebugExit.portCount, byteWide: false)
        ports.register(uart, base: UART16550.com1, count: UART16550.portCount)
    }

    /// A guest physical read that missed RAM (an accelerator's MMIO exit).
    public func readPhysical(_ address: UInt64, size: Int) -> UInt64 {
        mmio.read(address: address, size: size)
    }

    public func writePhysical(_ address: UInt64, size: Int, value: UInt64) {
        mmio.write(address: address, size: size, value: value)
    }
}
