import Foundation

/// The text `mimic bench` prints: every cell on its own line (median, spread, ratio, guest MIPS,
/// or the reason it was skipped), then a workload × configuration summary of the ratios with the
/// geometric mean over the ring-3 workloads. The summary also renders as a Markdown table.
enum BenchTable {
    /// `net`: also the summary net of startup (when there is a startup row; at --quick sizes the
    /// work is too short for the difference to mean much).
    static func render(_ report: BenchReport, net: Bool = true) -> String {
        var out = details(report) + "\n"
        out += "Time relative to native (median of \(report.runs) run\(report.runs == 1 ? "" : "s"); lower is faster):\n\n"
        out += aligned(summary(report))
        if net && report.workloads.contains(where: { $0.kind == .startup }) && report.workloads.count > 1 {
            out += "\nNet of startup: (time - the configuration's startup time) / (native - native startup):\n\n"
            out += aligned(summary(report, net: true))
        }
        let translation = translation(report)
        if translation.count > 1 {
            out += "\nTranslation time (one more run with --stats) against the median run time:\n\n" + aligned(translation)
        }
        return out
    }

    static func details(_ report: BenchReport) -> String {
        var rows = [["workload", "size", "configuration", "median", "min - max", "vs native", "guest MIPS"]]
        for w in report.workloads {
            for (i, c) in report.configurations.enumerated() {
                guard let cell = report.cell(w.name, c) else { continue }
                let lead = i == 0 ? [w.name, String(cell.size)] : ["", ""]
                if let reason = cell.skipReason {
                    rows.append(lead + [c.title, "skipped: " + reason])
                    continue
                }
                let spread = cell.spread.map { duration($0.min) + " - " + duration($0.max) } ?? ""
                rows.append(lead + [c.title, duration(cell.median ?? 0), spread,
                                    report.ratio(of: cell).map(ratio) ?? "",
                                    cell.mips.map(mips) ?? ""])
            }
        }
        return aligned(rows)
    }

    /// Rows of the summary: a heading, one row per workload, then the geometric means (over the
    /// ring-3 workloads, and over the programs when there are some); `net`: ratios net of
    /// startup, without the startup row.
    static func summary(_ report: BenchReport, net: Bool = false) -> [[String]] {
        var rows = [["workload"] + report.configurations.map(\.title)]
        for w in report.workloads where !(net && w.kind == .startup) {
            var row = [w.label]
            for c in report.configurations {
                guard let cell = report.cell(w.name, c) else { row.append(""); continue }
                if cell.skipReason != nil { row.append("skipped"); continue }
                if c == .native, !net { row.append(duration(cell.median ?? 0)); continue }
                row.append((net ? report.netRatio(of: cell) : report.ratio(of: cell)).map(ratio) ?? "-")
            }
            rows.append(row)
        }
        if report.workloads.contains(where: { $0.kind == .compute }) {
            rows.append(["geomean (ring 3)"] + report.configurations.map { c in
                c == .native && !net ? "1x" : report.geometricMeanRatio(c, net: net).map(ratio) ?? "-"
            })
        }
        if !net && report.workloads.contains(where: \.isProgram) {
            rows.append(["geomean (programs)"] + report.configurations.map { c in
                c == .native ? "1x" : report.geometricMeanRatio(c, programs: true).map(ratio) ?? "-"
            })
        }
        return rows
    }

    /// Where Mimic's time goes: for each cell with a translation time (from the extra
    /// `--stats=json` run), that time, the cell's median, and the share. Only the heading when
    /// no cell says.
    static func translation(_ report: BenchReport) -> [[String]] {
        var rows = [["workload", "configuration", "translate", "total", "share"]]
        for w in report.workloads {
            for c in report.configurations {
                guard let cell = report.cell(w.name, c), let translation = cell.translationSeconds, let median = cell.median else { continue }
                rows.append([w.label, c.title, duration(translation), duration(median),
                             String(format: "%.0f%%", min(translation / median, 1) * 100)])
            }
        }
        return rows
    }

    static func translationMarkdown(_ report: BenchReport) -> String {
        let rows = translation(report)
        guard rows.count > 1 else { return "" }
        var out = "| " + rows[0].joined(separator: " | ") + " |\n|---|---|---:|---:|---:|\n"
        for row in rows.dropFirst() { out += "| " + row.joined(separator: " | ") + " |\n" }
        return out
    }

    static func markdown(_ report: BenchReport, net: Bool = false) -> String {
        let rows = summary(report, net: net)
        guard let heading = rows.first else { return "" }
        var out = "| " + heading.joined(separator: " | ") + " |\n"
        out += "|---" + String(repeating: "|---:", count: heading.count - 1) + "|\n"
        for row in rows.dropFirst() { out += "| " + row.joined(separator: " | ") + " |\n" }
        return out
    }

    /// Columns padded to their widest cell; a row shorter than the heading leaves the rest empty,
    /// and its last cell may run past the column (a skip reason).
    static func aligned(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            // A row's last cell does not widen the column unless the row is full.
            for (i, cell) in row.enumerated() where i < row.count - 1 || row.count == columns {
                widths[i] = max(widths[i], cell.count)
            }
        }
        return rows.map { row in
            var line = row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0)
            }.joined()
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n") + "\n"
    }

    /// "850 µs", "14.5 ms", "1.23 s".
    static func duration(_ seconds: Double) -> String {
        switch seconds {
        case ..<1e-3: String(format: "%.0f µs", seconds * 1e6)
        case ..<1: String(format: "%.1f ms", seconds * 1e3)
        default: String(format: "%.2f s", seconds)
        }
    }

    /// "0.12", "4.5", "1187".
    static func mips(_ value: Double) -> String {
        value < 10 ? String(format: "%.2g", value) : String(format: "%.0f", value)
    }

    /// "0.98x", "4.2x", "37x".
    static func ratio(_ value: Double) -> String {
        value < 9.95 ? String(format: "%.2fx", value) : String(format: "%.0fx", value)
    }
}
