import IR
import TCG
import X86

/// The explain page: one self-contained HTML file (no scripts from elsewhere, no fonts, no
/// images) showing how Mimic translated the hottest blocks of a run, for someone learning
/// binary translation.
struct ExplainPage {
    /// One guest block, its latest translation and how often any translation of it ran.
    struct Block {
        var record: TranslationRecord
        var executions: UInt64
        /// Guest pcs this block jumps to directly (goto_tb), and whether it ends in an indirect jump.
        var directTargets: [UInt64]
        var endsIndirect: Bool
    }

    let blocks: [Block]
    let accelerator: String
    let statistics: [StatsReport]
    static let hottestShown = 12

    init(recorder: TranslationRecorder, engines: [Engine]) {
        var latest: [UInt64: Block] = [:]
        for record in recorder.records {
            var block = latest[record.guestPC] ?? Block(record: record, executions: 0, directTargets: [], endsIndirect: false)
            block.executions += record.executionCount
            block.record = record
            block.directTargets = record.optimized.insts.filter { $0.op == .gotoTB }.map { UInt64(bitPattern: $0.imm) }
            block.endsIndirect = record.optimized.insts.contains { $0.op == .lookupAndGoto }
            latest[record.guestPC] = block
        }
        blocks = latest.values.sorted { $0.record.guestPC < $1.record.guestPC }
        accelerator = engines.first?.accel.rawValue ?? "tcg"
        statistics = engines.map(\.statisticsReport)
    }

    var html: String {
        let hottest = blocks.sorted { $0.executions > $1.executions || ($0.executions == $1.executions && $0.record.guestPC < $1.record.guestPC) }
            .prefix(Self.hottestShown)
        var out = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Mimic: how this program was translated</title>
        <style>\(Self.style)</style></head><body>
        <h1>How Mimic translated this program</h1>
        <p class="intro">Mimic does not run the guest's x86-64 instructions directly. It cuts the program into
        <b>blocks</b> (straight runs of instructions that end at a jump), and translates each block the first time
        it is about to run: the guest instructions are <b>decoded</b>, <b>lifted</b> into Mimic's intermediate
        representation (IR: small, simple operations on temporaries), <b>optimized</b>, and <b>compiled</b> into
        host machine code, which is kept and run every time the block comes round again. Blocks that jump to each
        other directly are <b>chained</b>: the host code of one jumps straight into the next.</p>
        <p class="intro">Below: the block graph, then the \(hottest.count) blocks that ran most often. In each table a row is
        one guest instruction, and across the row you see what it became at each stage. Point at a row to highlight it.
        An empty cell after optimization means the optimizer removed that work or merged it into a later instruction
        (a comparison's flags, for example, are often computed only by the branch that reads them).</p>

        """
        out += "<h2>The blocks and how they connect</h2>\n" + graph + "\n"
        out += "<p class=\"legend\">Each box is a block: its first address, and how many times it ran. A solid arrow is a direct jump "
            + "(the target is known when translating, so the two blocks are chained); a dashed arrow to <i>?</i> is an indirect jump "
            + "(the target is only known when it runs, and is looked up in the jump cache).</p>\n"
        for (rank, block) in hottest.enumerated() { out += section(block, rank: rank + 1) }
        out += "<h2>Statistics of the run</h2>\n"
        for report in statistics { out += "<pre class=\"stats\">" + Svg.escaped(report.text) + "</pre>\n" }
        out += "</body></html>\n"
        return out
    }

    // MARK: One block, four columns

    private func section(_ block: Block, rank: Int) -> String {
        let r = block.record
        let id = "block-" + String(r.guestPC, radix: 16)
        var out = "<h2 id=\"\(id)\">#\(rank): the block at 0x\(String(r.guestPC, radix: 16))</h2>\n"
        out += "<p class=\"facts\">Ran <b>\(block.executions)</b> times. \(r.instructions.count) guest instructions, "
            + "\(Self.count(r.unoptimized)) IR operations before optimization, \(Self.count(r.optimized)) after"
        if let host = r.hostCode { out += ", \(host.reduce(0) { $0 + $1.lines.count }) host instructions" }
        out += ".</p>\n<table class=\"stages\"><thead><tr><th>Guest code<br><small>the program's own x86-64 instructions</small></th>"
            + "<th>IR before optimization<br><small>what the lifter wrote for each instruction</small></th>"
            + "<th>IR after optimization<br><small>what is left once redundant work is removed</small></th>"
            + "<th>Host code<br><small>what the host CPU runs (\(r.hostCode == nil ? "none: the interpreter runs the IR" : "x86-64"))</small></th></tr></thead><tbody>\n"
        let before = Self.irByInstruction(r.unoptimized), after = Self.irByInstruction(r.optimized)
        var host: [HostCode.Part: [HostCode.Line]] = [:]
        for group in r.hostCode ?? [] { host[group.part, default: []] += group.lines }
        func row(_ guest: String, _ pc: UInt64?, _ part: HostCode.Part, _ cls: String) -> String {
            "<tr class=\"\(cls)\"><td class=\"guest\">" + guest + "</td>"
                + "<td>" + Self.lines(pc.flatMap { before[$0] } ?? (pc == nil ? before[nil] ?? [] : [])) + "</td>"
                + "<td>" + Self.lines(pc.flatMap { after[$0] } ?? (pc == nil ? after[nil] ?? [] : [])) + "</td>"
                + "<td>" + Self.lines((host[part] ?? []).map { "0x" + String($0.address, radix: 16) + ":  " + $0.text }) + "</td></tr>\n"
        }
        if before[nil] != nil || after[nil] != nil || host[.prologue] != nil {
            out += row("<i>block entry</i><br><small>the call that counts how often the block runs (added for this page and --stats)</small>",
                       nil, .prologue, "entry")
        }
        for insn in r.instructions {
            let guest = "<span class=\"addr\">0x" + String(insn.address, radix: 16) + "</span> " + Svg.escaped(insn.intelSyntax)
            out += row(guest, insn.address, .guest(insn.address), "insn")
        }
        if let stubs = host[.outOfLine], !stubs.isEmpty {
            out += "<tr class=\"exit\"><td class=\"guest\"><i>out-of-line exits</i><br><small>taken only on a fault</small></td><td></td><td></td><td>"
                + Self.lines(stubs.map { "0x" + String($0.address, radix: 16) + ":  " + $0.text }) + "</td></tr>\n"
        }
        out += "</tbody></table>\n"
        return out
    }

    /// The IR's text cut at its insn-start markers; ops before the first marker are under nil.
    static func irByInstruction(_ ir: IRBlock) -> [UInt64?: [String]] {
        var groups: [UInt64?: [String]] = [:]
        var current: UInt64?
        for inst in ir.insts {
            if inst.op == .insnStart {
                current = UInt64(bitPattern: inst.imm)
                continue
            }
            groups[current, default: []].append(String(ir.text(of: inst).trimmingPrefix(" ")))
        }
        return groups
    }

    static func count(_ ir: IRBlock) -> Int { ir.insts.filter { $0.op != .insnStart }.count }

    static func lines(_ lines: [String]) -> String {
        lines.isEmpty ? "" : "<pre>" + lines.map(Svg.escaped).joined(separator: "\n") + "</pre>"
    }

    // MARK: The block graph

    /// Blocks in address order down the page; direct jumps as arrows on the right (forward)
    /// or the left (backward); indirect jumps as dashed arrows to a "?" box.
    private var graph: String {
        let boxWidth = 210, boxHeight = 34, gap = 22, left = 130
        let row = Dictionary(uniqueKeysWithValues: blocks.enumerated().map { ($1.record.guestPC, $0) })
        let hottest = max(1, blocks.map(\.executions).max() ?? 1)
        let height = blocks.count * (boxHeight + gap) + gap
        let width = left + boxWidth + 260
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"block graph\">\n"
        svg += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
            + "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444\"/></marker></defs>\n"
        func top(_ i: Int) -> Int { gap + i * (boxHeight + gap) }
        var forward = 0, backward = 0
        for (i, block) in blocks.enumerated() {
            for target in block.directTargets {
                guard let j = row[target] else { continue }
                let y1 = top(i) + boxHeight / 2, y2 = top(j) + boxHeight / 2
                if j == i + 1 {
                    svg += "<line x1=\"\(left + boxWidth / 2)\" y1=\"\(top(i) + boxHeight)\" x2=\"\(left + boxWidth / 2)\" y2=\"\(top(j))\" class=\"edge\" marker-end=\"url(#arrow)\"/>\n"
                } else if j > i {
                    forward += 1
                    let x = left + boxWidth, bulge = 30 + 18 * (forward % 6)
                    svg += "<path d=\"M\(x),\(y1) C\(x + bulge),\(y1) \(x + bulge),\(y2) \(x),\(y2)\" class=\"edge\" marker-end=\"url(#arrow)\"/>\n"
                } else {
                    backward += 1
                    let bulge = 30 + 18 * (backward % 5)
                    svg += "<path d=\"M\(left),\(y1) C\(left - bulge),\(y1) \(left - bulge),\(y2) \(left),\(y2)\" class=\"edge back\" marker-end=\"url(#arrow)\"/>\n"
                }
            }
            if block.endsIndirect {
                let y = top(i) + boxHeight / 2, x = left + boxWidth + 150
                svg += "<line x1=\"\(left + boxWidth)\" y1=\"\(y)\" x2=\"\(x)\" y2=\"\(y)\" class=\"edge indirect\" marker-end=\"url(#arrow)\"/>"
                    + "<text x=\"\(x + 6)\" y=\"\(y + 5)\" class=\"unknown\">?</text>\n"
            }
        }
        for (i, block) in blocks.enumerated() {
            let heat = Double(block.executions) / Double(hottest)
            let lightness = 95 - Int(heat * 40)
            let link = "#block-" + String(block.record.guestPC, radix: 16)
            svg += "<a href=\"\(link)\"><rect x=\"\(left)\" y=\"\(top(i))\" width=\"\(boxWidth)\" height=\"\(boxHeight)\" rx=\"5\" "
                + "style=\"fill:hsl(30,90%,\(lightness)%)\" class=\"node\"/>"
                + "<text x=\"\(left + 10)\" y=\"\(top(i) + 21)\" class=\"label\">0x\(String(block.record.guestPC, radix: 16))  ran \(block.executions)×</text></a>\n"
        }
        return svg + "</svg>"
    }

    // MARK: Style

    static let style = """
    body { font-family: sans-serif; margin: 2em; max-width: 1500px; color: #222; }
    p.intro { max-width: 60em; line-height: 1.4; }
    p.legend, p.facts { color: #444; }
    table.stages { border-collapse: collapse; width: 100%; margin-bottom: 2em; table-layout: fixed; }
    table.stages th { background: #e8eef7; text-align: left; padding: 6px; vertical-align: top; border: 1px solid #ccd; }
    table.stages th:nth-child(1) { width: 20%; }
    table.stages th:nth-child(2), table.stages th:nth-child(3) { width: 23%; }
    table.stages th:nth-child(4) { width: 34%; }
    table.stages td { border: 1px solid #dde; padding: 2px 6px; vertical-align: top; overflow-x: auto; }
    table.stages tr.insn:nth-child(even) td { background: #fafafa; }
    table.stages tr:hover td { background: #fff3c4; }
    td.guest { font-family: monospace; white-space: pre-wrap; }
    td.guest small { font-family: sans-serif; }
    td:last-child pre { white-space: pre; }
    span.addr { color: #888; }
    pre { margin: 0; font-size: 12px; white-space: pre-wrap; }
    pre.stats { background: #f4f4f4; padding: 8px; display: inline-block; }
    svg .edge { stroke: #444; fill: none; stroke-width: 1.3; }
    svg .edge.back { stroke: #1b5fb0; }
    svg .edge.indirect { stroke-dasharray: 5 4; }
    svg .node { stroke: #a86400; }
    svg .label { font: 13px monospace; fill: #222; }
    svg .unknown { font: bold 16px sans-serif; fill: #444; }
    """
}
