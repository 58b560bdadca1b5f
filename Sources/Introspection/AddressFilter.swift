/// `-dfilter ADDR[+LEN],...`: the guest address ranges whose blocks the per-block logs show.
public struct AddressFilter: Sendable, Equatable {
    /// Half-open ranges; empty means every address.
    public private(set) var ranges: [Range<UInt64>]

    public static let everything = AddressFilter(ranges: [])

    public init(ranges: [Range<UInt64>]) { self.ranges = ranges }

    @inline(__always)
    public func contains(_ address: UInt64) -> Bool {
        ranges.isEmpty || ranges.contains { $0.contains(address) }
    }

    public static let syntax = "ADDR[+LEN],... with numbers in hex (0x1000) or decimal, e.g. 0x401000+0x100,0x402000"

    /// Parses `0x401000+0x40,0x402000` (a bare address is one byte).
    public static func parse(_ text: String) throws(LogError) -> AddressFilter {
        var ranges: [Range<UInt64>] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let fields = part.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)
            guard let start = number(fields[0]),
                  let length = fields.count == 2 ? number(fields[1]) : 1, length > 0,
                  case (let end, false) = start.addingReportingOverflow(length) else {
                throw LogError(description: "bad -dfilter range '\(part)' (expected \(syntax))")
            }
            ranges.append(start..<end)
        }
        return AddressFilter(ranges: ranges)
    }

    private static func number(_ s: Substring) -> UInt64? {
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return UInt64(s.dropFirst(2), radix: 16) }
        return UInt64(s, radix: 10)
    }
}
