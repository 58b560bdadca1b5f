import Foundation

/// bench.csv: one line per cell (workload × configuration), skipped cells included with their
/// reason; `net_ratio_to_native` is the ratio with the startup row's times taken away. Fields are quoted as RFC 4180 says (when they hold a comma, a quote or a line break).
enum BenchCSV {
    static let header = ["workload", "size", "configuration", "status", "runs", "median_s", "min_s", "max_s",
                         "ratio_to_native", "net_ratio_to_native", "guest_instructions", "guest_mips", "reason", "command"]

    static func render(_ report: BenchReport) -> String {
        var lines = [header.joined(separator: ",")]
        for cell in report.cells {
            let spread = cell.spread
            let fields: [String] = [
                cell.workload,
                String(cell.size),
                cell.configuration.rawValue,
                cell.skipReason == nil ? "ok" : "skipped",
                String(cell.times.count),
                number(cell.median, "%.6f"),
                number(spread?.min, "%.6f"),
                number(spread?.max, "%.6f"),
                number(report.ratio(of: cell), "%.4f"),
                number(report.netRatio(of: cell), "%.4f"),
                cell.guestInstructions.map { String($0) } ?? "",
                number(cell.mips, "%.1f"),
                cell.skipReason ?? "",
                cell.command.joined(separator: " "),
            ]
            lines.append(fields.map(quoted).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func number(_ value: Double?, _ format: String) -> String {
        value.map { String(format: format, $0) } ?? ""
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
