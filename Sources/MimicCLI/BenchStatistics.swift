import Foundation

/// The arithmetic of a benchmark cell: the median of its runs, their spread, its ratio to the
/// native run, and the geometric mean of ratios across workloads.
enum BenchStatistics {
    /// The middle value; for an even count, the mean of the two middle ones. Nil when empty.
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The smallest and the largest value. Nil when empty.
    static func spread(_ values: [Double]) -> (min: Double, max: Double)? {
        guard let low = values.min(), let high = values.max() else { return nil }
        return (low, high)
    }

    /// How many times longer `seconds` is than `native`. Nil when either is missing or not positive.
    static func ratio(_ seconds: Double?, toNative native: Double?) -> Double? {
        guard let seconds, let native, seconds > 0, native > 0 else { return nil }
        return seconds / native
    }

    /// The geometric mean of positive values, the right mean for ratios. Nil when empty or when a
    /// value is not positive.
    static func geometricMean(_ values: [Double]) -> Double? {
        guard !values.isEmpty, values.allSatisfy({ $0 > 0 }) else { return nil }
        return exp(values.map { log($0) }.reduce(0, +) / Double(values.count))
    }

    /// Millions of guest instructions per second. Nil when nothing was counted.
    static func mips(instructions: UInt64?, seconds: Double?) -> Double? {
        guard let instructions, let seconds, seconds > 0 else { return nil }
        return Double(instructions) / seconds / 1e6
    }
}

/// A logarithmic axis for ratios: whole decades from the one at or below the smallest value to
/// the one at or above the largest, so that 1x, 10x, 100x fall on gridlines.
struct LogAxis: Equatable {
    /// Exponents of ten at the ends of the axis; `high > low` always.
    var low: Int
    var high: Int

    /// The axis covering `values` (positive ones; others are ignored), always at least one decade
    /// and always including 1 (native).
    init(covering values: [Double]) {
        let positive = values.filter { $0 > 0 && $0.isFinite } + [1]
        let smallest = positive.min() ?? 1, largest = positive.max() ?? 1
        low = Int(floor(log10(smallest) + 1e-9))
        high = Int(ceil(log10(largest) - 1e-9))
        if high <= low { high = low + 1 }
    }

    init(low: Int, high: Int) {
        self.low = low
        self.high = max(high, low + 1)
    }

    /// The decade values on the axis, from the bottom: e.g. [0.1, 1, 10, 100].
    var decades: [Double] { (low...high).map { pow(10, Double($0)) } }

    /// Where `value` falls, as a fraction of the axis from the bottom (0) to the top (1), clamped.
    func fraction(of value: Double) -> Double {
        guard value > 0 else { return 0 }
        let f = (log10(value) - Double(low)) / Double(high - low)
        return min(max(f, 0), 1)
    }

    /// A decade's label: "0.1x", "1x", "10x", "1000x".
    static func label(_ value: Double) -> String {
        value >= 1 ? String(format: "%.0fx", value) : String(format: "%gx", value)
    }
}
