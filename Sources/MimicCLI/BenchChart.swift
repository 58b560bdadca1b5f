import Foundation

/// bench.svg: for each workload a group of bars, one per configuration, the bar's height the
/// cell's time over the native time on a log scale (lower is faster; the native line is 1x).
/// A skipped cell keeps its place, marked "skipped" with the reason as its tooltip. The file is
/// self-contained: no scripts, stylesheets, fonts or images from elsewhere.
enum BenchChart {
    static let barWidth = 13.0
    static let barGap = 2.0
    static let groupGap = 22.0
    static let plotTop = 64.0
    static let plotHeight = 320.0
    static let left = 64.0
    static let legendWidth = 170.0

    /// Each configuration's colour: Mimic's in saturated tones, QEMU's in muted ones, and the
    /// same hue for the same accelerator (blue tcg user, red tcg system, green kvm).
    static func colour(_ configuration: BenchConfiguration) -> String {
        switch configuration {
        case .native: "#000000"
        case .runTCG: "#1f5fbf"
        case .runInterp: "#8fb4ea"
        case .qemuUser: "#7a7a7a"
        case .bootKVM: "#2e9a3c"
        case .bootTCG: "#c8372d"
        case .bootInterp: "#f0a39c"
        case .qemuSystemKVM: "#a6d8a8"
        case .qemuSystemTCG: "#8a5a44"
        }
    }

    static func render(_ report: BenchReport) -> String {
        let bars = report.configurations.filter { $0 != .native }
        var groups: [(label: String, values: [(BenchConfiguration, Double?, String)])] = []
        for w in report.workloads {
            let values = bars.map { c -> (BenchConfiguration, Double?, String) in
                guard let cell = report.cell(w.name, c) else { return (c, nil, "not run") }
                if let reason = cell.skipReason { return (c, nil, "skipped: " + reason) }
                guard let r = report.ratio(of: cell) else { return (c, nil, "no native time to compare with") }
                return (c, r, tooltip(cell, ratio: r))
            }
            groups.append((w.label, values))
        }
        let means = bars.map { c in (c, report.geometricMeanRatio(c)) }
        if means.contains(where: { $0.1 != nil }) {
            groups.append(("geomean (ring 3)", means.map { c, r in
                (c, r, r.map { c.title + ": geometric mean " + LogAxis.ratioLabel($0) + " of native over the ring-3 workloads" }
                    ?? "not every ring-3 workload was measured")
            }))
        }
        let axis = LogAxis(covering: groups.flatMap { $0.values.compactMap { $0.1 } })

        let groupWidth = Double(bars.count) * (barWidth + barGap) - barGap + groupGap
        let plotWidth = max(Double(groups.count) * groupWidth, 300)
        let width = left + plotWidth + 16 + legendWidth
        let height = plotTop + plotHeight + 70
        let bottom = plotTop + plotHeight
        func y(_ value: Double) -> Double { bottom - axis.fraction(of: value) * plotHeight }

        var svg = Svg(width: width, height: height)
        svg.text(left, 22, "Time relative to native (log scale, lower is faster)", size: 15, weight: "bold")
        svg.text(left, 42, "median of \(report.runs) run\(report.runs == 1 ? "" : "s") per bar; hover a bar for its time and spread, or a skipped slot for the reason", size: 11, fill: "#555555")

        // Decade gridlines with their labels, and 2x and 5x lines in between.
        for (i, decade) in axis.decades.enumerated() {
            let dy = y(decade)
            svg.line(left, dy, left + plotWidth, dy, stroke: decade == 1 ? "#000000" : "#cccccc", width: decade == 1 ? 1.5 : 1)
            svg.text(left - 6, dy + 4, LogAxis.label(decade), size: 11, anchor: "end")
            if i < axis.decades.count - 1 {
                for step in [2.0, 5.0] {
                    svg.line(left, y(decade * step), left + plotWidth, y(decade * step), stroke: "#eeeeee", width: 1)
                }
            }
        }
        svg.text(left - 6, y(1) + 15, "native", size: 10, anchor: "end")
        svg.line(left, plotTop, left, bottom, stroke: "#000000", width: 1)

        for (g, group) in groups.enumerated() {
            let x0 = left + groupGap / 2 + Double(g) * groupWidth
            for (b, (configuration, value, tip)) in group.values.enumerated() {
                let x = x0 + Double(b) * (barWidth + barGap)
                if let value {
                    let top = y(value)
                    svg.rect(x, top, barWidth, max(bottom - top, 1), fill: colour(configuration), title: tip)
                    svg.verticalText(x + barWidth / 2 + 3.5, top - 3, LogAxis.ratioLabel(value), size: 9)
                } else {
                    svg.rect(x, bottom - 56, barWidth, 56, fill: "#ffffff", stroke: "#bbbbbb", title: tip)
                    svg.verticalText(x + barWidth / 2 + 3.5, bottom - 4, "skipped", size: 9, fill: "#888888", anchor: "start")
                }
            }
            let groupCentre = x0 + (groupWidth - groupGap) / 2
            svg.text(groupCentre, bottom + 18, group.label, size: 12, anchor: "middle")
        }

        let legendX = left + plotWidth + 16
        svg.text(legendX, plotTop + 4, "configuration", size: 12, weight: "bold")
        for (i, c) in bars.enumerated() {
            let ly = plotTop + 18 + Double(i) * 20
            svg.rect(legendX, ly, 14, 14, fill: colour(c), title: c.title)
            svg.text(legendX + 20, ly + 11, c.title, size: 12)
        }
        return svg.finish()
    }

    static func tooltip(_ cell: BenchCell, ratio: Double) -> String {
        var text = cell.workload + ", " + cell.configuration.title + ": " + LogAxis.ratioLabel(ratio)
            + " of native, median " + BenchTable.duration(cell.median ?? 0)
        if let s = cell.spread { text += " (" + BenchTable.duration(s.min) + " to " + BenchTable.duration(s.max) + ")" }
        if let m = cell.mips { text += ", " + BenchTable.mips(m) + " guest MIPS" }
        return text
    }
}

extension LogAxis {
    /// A bar's label: two significant digits, e.g. "0.98x", "4.2x", "37x", "1200x".
    static func ratioLabel(_ value: Double) -> String {
        value < 9.95 ? String(format: "%.2gx", value) : String(format: "%.0fx", value)
    }
}

/// A minimal SVG writer: the few elements the chart draws, text escaped for XML.
struct Svg {
    private var body: [String] = []
    let width: Double
    let height: Double

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// `text` as XML or HTML character data or an attribute value (the explain page uses it too).
    static func escaped(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }

    static func n(_ v: Double) -> String { String(format: "%.1f", v) }

    mutating func text(_ x: Double, _ y: Double, _ content: String, size: Double, anchor: String = "start",
                       weight: String = "normal", fill: String = "#000000") {
        body.append("<text x=\"\(Svg.n(x))\" y=\"\(Svg.n(y))\" font-size=\"\(Svg.n(size))\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\" fill=\"\(fill)\">\(Svg.escaped(content))</text>")
    }

    /// Text read bottom to top, starting at (x, y).
    mutating func verticalText(_ x: Double, _ y: Double, _ content: String, size: Double, fill: String = "#333333",
                               anchor: String = "start") {
        body.append("<text transform=\"translate(\(Svg.n(x)),\(Svg.n(y))) rotate(-90)\" font-size=\"\(Svg.n(size))\" text-anchor=\"\(anchor)\" fill=\"\(fill)\">\(Svg.escaped(content))</text>")
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double) {
        body.append("<line x1=\"\(Svg.n(x1))\" y1=\"\(Svg.n(y1))\" x2=\"\(Svg.n(x2))\" y2=\"\(Svg.n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Svg.n(width))\"/>")
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil, title: String) {
        let outline = stroke.map { " stroke=\"\($0)\" stroke-dasharray=\"3,2\"" } ?? ""
        body.append("<rect x=\"\(Svg.n(x))\" y=\"\(Svg.n(y))\" width=\"\(Svg.n(w))\" height=\"\(Svg.n(h))\" fill=\"\(fill)\"\(outline)><title>\(Svg.escaped(title))</title></rect>")
    }

    func finish() -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Svg.n(width))\" height=\"\(Svg.n(height))\" viewBox=\"0 0 \(Svg.n(width)) \(Svg.n(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
            + "<rect x=\"0\" y=\"0\" width=\"\(Svg.n(width))\" height=\"\(Svg.n(height))\" fill=\"#ffffff\"/>\n"
            + body.joined(separator: "\n") + "\n</svg>\n"
    }
}
