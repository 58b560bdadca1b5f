/// National Semiconductor 16550A UART, as on a PC's COM1 (ports 0x3F8-0x3FF, IRQ 4).
/// Register map (offset, DLAB): 0 RBR/THR | DLL, 1 IER | DLM, 2 IIR (read) / FCR (write),
/// 3 LCR, 4 MCR, 5 LSR, 6 MSR, 7 SCR. Transmission is instantaneous, so the transmitter is
/// always empty (LSR.THRE|TEMT) when the guest looks. This machine has no interrupt
/// controller: IIR reports what would be pending, and guests poll.
public final class UART16550: BusDevice {
    public static let com1: UInt16 = 0x3F8
    public static let portCount = 8

    /// Line status register bits.
    public struct LSR {
        public static let dataReady: UInt8 = 0x01
        public static let transmitterHoldingEmpty: UInt8 = 0x20
        public static let transmitterEmpty: UInt8 = 0x40
    }
    /// The character the receiver reports once when the host side closes: ASCII EOT (Ctrl-D).
    public static let endOfInputByte: UInt8 = 0x04

    private let output: SerialOutput
    private let input: SerialInput

    public private(set) var ier: UInt8 = 0
    public private(set) var fcr: UInt8 = 0
    public private(set) var lcr: UInt8 = 0
    public private(set) var mcr: UInt8 = 0
    public private(set) var scr: UInt8 = 0
    /// 9600 baud from the 1.8432 MHz clock, what PC firmware leaves programmed.
    public private(set) var divisor: UInt16 = 12
    /// Delta bits of the MSR (0-3), cleared when the guest reads MSR.
    private var msrDelta: UInt8 = 0
    /// THR-empty interrupt condition: raised when THR empties or the interrupt is enabled while
    /// it is empty, cleared by writing THR or by reading IIR while it is the reported source.
    private var thrEmptyPending = false
    /// Bytes looped back from the transmitter in loopback mode (MCR bit 4).
    private var loopback: [UInt8] = []
    private var inputEnded = false

    public init(output: SerialOutput, input: SerialInput) {
        self.output = output
        self.input = input
    }

    private var dlab: Bool { lcr & 0x80 != 0 }
    private var loopbackMode: Bool { mcr & 0x10 != 0 }

    /// The next received byte, if any, without consuming it.
    private func receivedByte() -> UInt8? {
        if loopbackMode { return loopback.first }
        if inputEnded { return nil }
        switch input.peek() {
        case .byte(let b): return b
        case .endOfInput: return UART16550.endOfInputByte
        case .nothingYet: return nil
        }
    }

    private func consumeReceivedByte() {
        if loopbackMode {
            if !loopback.isEmpty { loopback.removeFirst() }
            return
        }
        switch input.peek() {
        case .byte: input.consume()
        case .endOfInput: inputEnded = true
        case .nothingYet: break
        }
    }

    public var lineStatus: UInt8 {
        (receivedByte() != nil ? LSR.dataReady : 0) | LSR.transmitterHoldingEmpty | LSR.transmitterEmpty
    }

    /// MSR bits 4-7 (CTS, DSR, RI, DCD). In loopback they follow MCR's RTS, DTR, OUT1, OUT2;
    /// otherwise a terminal is attached: CTS, DSR and DCD asserted.
    public var modemStatus: UInt8 {
        let lines: UInt8
        if loopbackMode {
            lines = (mcr & 0x02 != 0 ? 0x10 : 0) | (mcr & 0x01 != 0 ? 0x20 : 0)
                  | (mcr & 0x04 != 0 ? 0x40 : 0) | (mcr & 0x08 != 0 ? 0x80 : 0)
        } else {
            lines = 0xB0
        }
        return lines | msrDelta
    }

    /// IIR: bits 7-6 are 11 with FIFOs enabled; bits 3-0 identify the highest-priority pending
    /// interrupt (0001 = none, 0110 line status, 0100 received data, 0010 THR empty, 0000 modem).
    public var interruptIdentification: UInt8 {
        let fifoBits: UInt8 = fcr & 0x01 != 0 ? 0xC0 : 0
        return fifoBits | pendingInterrupt
    }

    private var pendingInterrupt: UInt8 {
        if ier & 0x01 != 0 && receivedByte() != nil { return 0x04 }
        if ier & 0x02 != 0 && thrEmptyPending { return 0x02 }
        if ier & 0x08 != 0 && msrDelta != 0 { return 0x00 }
        return 0x01
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        let value: UInt8
        switch offset & 7 {
        case 0:
            if dlab { value = UInt8(divisor & 0xFF) }
            else { value = receivedByte() ?? 0; consumeReceivedByte() }
        case 1: value = dlab ? UInt8(divisor >> 8) : ier
        case 2:
            value = interruptIdentification
            if pendingInterrupt == 0x02 { thrEmptyPending = false }
        case 3: value = lcr
        case 4: value = mcr
        case 5: value = lineStatus
        case 6: value = modemStatus; msrDelta = 0
        default: value = scr
        }
        return UInt64(value)
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        let v = UInt8(truncatingIfNeeded: value)
        switch offset & 7 {
        case 0:
            if dlab { divisor = (divisor & 0xFF00) | UInt16(v); return }
            if loopbackMode { loopback.append(v) } else { output.write(v) }
            // The byte leaves at once, so THR is empty again.
            thrEmptyPending = true
        case 1:
            if dlab { divisor = (divisor & 0x00FF) | UInt16(v) << 8; return }
            let enablingTHRE = v & 0x02 != 0 && ier & 0x02 == 0
            ier = v & 0x0F
            if enablingTHRE { thrEmptyPending = true }
        case 2:
            // Bits 1 and 2 clear the FIFOs and self-clear; bit 0 enables them (changing it also clears).
            if v & 0x02 != 0 || (v ^ fcr) & 0x01 != 0 { loopback.removeAll() }
            fcr = v & 0xC9
        case 3: lcr = v
        case 4:
            let before = modemStatus & 0xF0
            mcr = v & 0x1F
            let after = modemStatus & 0xF0
            // Delta bits: DCTS, DDSR, trailing edge of RI, DDCD.
            let changed = before ^ after
            msrDelta |= (changed & 0x10 != 0 ? 0x01 : 0) | (changed & 0x20 != 0 ? 0x02 : 0)
                      | (before & 0x40 != 0 && after & 0x40 == 0 ? 0x04 : 0) | (changed & 0x80 != 0 ? 0x08 : 0)
        case 5, 6: break   // LSR and MSR are read-only in normal operation
        default: scr = v
        }
    }
}
