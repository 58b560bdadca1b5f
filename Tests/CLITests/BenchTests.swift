import ArgumentParser
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import MimicCLI
import XCTest

/// The pieces of `mimic bench` that do not depend on timing: statistics, the log axis, the CSV,
/// SVG and text writers on a hand-made report, the checks of a run's output, and the parsing of
/// `--stats=json`.
final class BenchTests: XCTestCase {
    // MARK: statistics

    func testMedianOfOddAndEvenCounts() {
        XCTAssertEqual(BenchStatistics.median([3, 1, 2]), 2)
        XCTAssertEqual(BenchStatistics.median([4, 1, 3, 2]), 2.5)
        XCTAssertEqual(BenchStatistics.median([7]), 7)
        XCTAssertNil(BenchStatistics.median([]))
    }

    func testSpreadIsMinimumAndMaximum() {
        let s = BenchStatistics.spread([0.3, 0.1, 0.25])
        XCTAssertEqual(s?.min, 0.1)
        XCTAssertEqual(s?.max, 0.3)
        XCTAssertNil(BenchStatistics.spread([]))
    }

    func testRatioToNative() {
        XCTAssertEqual(BenchStatistics.ratio(0.5, toNative: 0.25), 2)
        XCTAssertEqual(BenchStatistics.ratio(0.1, toNative: 0.4), 0.25)
        XCTAssertNil(BenchStatistics.ratio(nil, toNative: 1))
        XCTAssertNil(BenchStatistics.ratio(1, toNative: nil))
        XCTAssertNil(BenchStatistics.ratio(1, toNative: 0))
    }

    func testGeometricMean() throws {
        XCTAssertEqual(try XCTUnwrap(BenchStatistics.geometricMean([2, 8])), 4, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(BenchStatistics.geometricMean([1, 10, 100])), 10, accuracy: 1e-12)
        XCTAssertNil(BenchStatistics.geometricMean([]))
        XCTAssertNil(BenchStatistics.geometricMean([1, 0]))
    }

    func testMIPS() {
        XCTAssertEqual(BenchStatistics.mips(instructions: 50_000_000, seconds: 0.5), 100)
        XCTAssertNil(BenchStatistics.mips(instructions: nil, seconds: 0.5))
    }

    // MARK: log axis

    func testLogAxisCoversWholeDecadesAndAlwaysNative() {
        let axis = LogAxis(covering: [0.8, 3000])
        XCTAssertEqual(axis, LogAxis(low: -1, high: 4))
        XCTAssertEqual(axis.decades, [0.1, 1, 10, 100, 1000, 10000])
        XCTAssertEqual(LogAxis(covering: [10, 100]), LogAxis(low: 0, high: 2), "1x (native) is always on the axis")
        XCTAssertEqual(LogAxis(covering: [100]), LogAxis(low: 0, high: 2))
        XCTAssertEqual(LogAxis(covering: []), LogAxis(low: 0, high: 1), "at least one decade")
        XCTAssertEqual(LogAxis(covering: [1]), LogAxis(low: 0, high: 1))
        XCTAssertEqual(LogAxis(covering: [0.5, 0, -3, .infinity]), LogAxis(low: -1, high: 0), "non-positive and infinite values ignored")
    }

    func testLogAxisFraction() {
        let axis = LogAxis(low: -1, high: 4)
        XCTAssertEqual(axis.fraction(of: 0.1), 0, accuracy: 1e-12)
        XCTAssertEqual(axis.fraction(of: 1), 0.2, accuracy: 1e-12)
        XCTAssertEqual(axis.fraction(of: 100), 0.6, accuracy: 1e-12)
        XCTAssertEqual(axis.fraction(of: 10000), 1, accuracy: 1e-12)
        XCTAssertEqual(axis.fraction(of: 1e9), 1, "clamped at the top")
        XCTAssertEqual(axis.fraction(of: 0), 0, "clamped at the bottom")
    }

    func testLabels() {
        XCTAssertEqual(LogAxis.label(0.1), "0.1x")
        XCTAssertEqual(LogAxis.label(1), "1x")
        XCTAssertEqual(LogAxis.label(1000), "1000x")
        XCTAssertEqual(LogAxis.ratioLabel(0.98), "0.98x")
        XCTAssertEqual(LogAxis.ratioLabel(4.2), "4.2x")
        XCTAssertEqual(LogAxis.ratioLabel(37.4), "37x")
        XCTAssertEqual(BenchTable.ratio(4.2), "4.20x")
        XCTAssertEqual(BenchTable.ratio(123.4), "123x")
        XCTAssertEqual(BenchTable.duration(0.000850), "850 µs")
        XCTAssertEqual(BenchTable.duration(0.0145), "14.5 ms")
        XCTAssertEqual(BenchTable.duration(1.234), "1.23 s")
    }

    // MARK: writers, on a hand-made report

    /// Two workloads (one ring 0) × native, mimic run tcg (10x and 100x), qemu-x86_64 (skipped,
    /// with a comma and a quote in the reason, which the CSV must quote).
    func sampleReport() -> BenchReport {
        let fib = BenchSuite.workloads.first { $0.name == "fib" }!
        let ring0 = BenchSuite.workloads.first { $0.name == "fib-ring0" }!
        let configurations: [BenchConfiguration] = [.native, .runTCG, .qemuUser]
        let cells = [
            BenchCell(workload: "fib", size: 20, configuration: .native, command: ["fib", "20"], outcome: .measured([0.011, 0.010, 0.012])),
            BenchCell(workload: "fib", size: 20, configuration: .runTCG, command: ["mimic", "run", "--accel", "tcg", "--", "fib", "20"],
                      outcome: .measured([0.1, 0.12, 0.11]), guestInstructions: 22_000_000),
            BenchCell(workload: "fib", size: 20, configuration: .qemuUser, command: ["qemu-x86_64", "fib", "20"],
                      outcome: .skipped("not installed, \"qemu-user\"")),
            BenchCell(workload: "fib-ring0", size: 20, configuration: .native, command: ["fib", "20"], outcome: .measured([0.002])),
            BenchCell(workload: "fib-ring0", size: 20, configuration: .runTCG, command: ["mimic", "run", "--accel", "tcg", "--", "fib", "20"],
                      outcome: .measured([0.2])),
            BenchCell(workload: "fib-ring0", size: 20, configuration: .qemuUser, command: ["qemu-x86_64", "fib", "20"],
                      outcome: .skipped("not installed")),
        ]
        return BenchReport(workloads: [fib, ring0], configurations: configurations, cells: cells, runs: 3)
    }

    func testCSV() {
        let lines = BenchCSV.render(sampleReport()).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines, [
            "workload,size,configuration,status,runs,median_s,min_s,max_s,ratio_to_native,net_ratio_to_native,guest_instructions,guest_mips,reason,command",
            "fib,20,native,ok,3,0.011000,0.010000,0.012000,1.0000,,,,,fib 20",
            "fib,20,mimic-run-tcg,ok,3,0.110000,0.100000,0.120000,10.0000,,22000000,200.0,,mimic run --accel tcg -- fib 20",
            "fib,20,qemu-x86_64,skipped,0,,,,,,,,\"not installed, \"\"qemu-user\"\"\",qemu-x86_64 fib 20",
            "fib-ring0,20,native,ok,1,0.002000,0.002000,0.002000,1.0000,,,,,fib 20",
            "fib-ring0,20,mimic-run-tcg,ok,1,0.200000,0.200000,0.200000,100.0000,,,,,mimic run --accel tcg -- fib 20",
            "fib-ring0,20,qemu-x86_64,skipped,0,,,,,,,,not installed,qemu-x86_64 fib 20",
            "",
        ])
    }

    func testGeometricMeanLeavesOutRing0AndNeedsEveryWorkload() throws {
        let report = sampleReport()
        XCTAssertEqual(try XCTUnwrap(report.geometricMeanRatio(.runTCG)), 10, accuracy: 1e-9, "the ring-0 row's 100x is not in it")
        XCTAssertNil(report.geometricMeanRatio(.qemuUser))
    }

    /// Startup 1 ms natively and 20 ms under tcg; fib 11 ms natively and 70 ms under tcg: the
    /// net ratio is (70 - 20) / (11 - 1) = 5, where the plain one is 70 / 11.
    func testNetRatioTakesAwayEachSidesStartup() throws {
        let startup = BenchSuite.workloads.first { $0.kind == .startup }!
        let fib = BenchSuite.workloads.first { $0.name == "fib" }!
        func cell(_ w: String, _ c: BenchConfiguration, _ t: Double) -> BenchCell {
            BenchCell(workload: w, size: 1, configuration: c, command: [], outcome: .measured([t]))
        }
        let report = BenchReport(workloads: [startup, fib], configurations: [.native, .runTCG],
                                 cells: [cell("startup", .native, 0.001), cell("startup", .runTCG, 0.020),
                                         cell("fib", .native, 0.011), cell("fib", .runTCG, 0.070)], runs: 1)
        XCTAssertEqual(try XCTUnwrap(report.netRatio(of: report.cell("fib", .runTCG)!)), 5, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(report.netRatio(of: report.cell("fib", .native)!)), 1, accuracy: 1e-9)
        XCTAssertNil(report.netRatio(of: report.cell("startup", .runTCG)!))
        XCTAssertEqual(try XCTUnwrap(report.ratio(of: report.cell("fib", .runTCG)!)), 70.0 / 11, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(report.geometricMeanRatio(.runTCG, net: true)), 5, accuracy: 1e-9)
        XCTAssertNil(sampleReport().netRatio(of: sampleReport().cells[1]), "no startup row, no net ratio")
        XCTAssertEqual(BenchTable.summary(report, net: true), [
            ["workload", "native", "mimic run tcg"],
            ["fib", "1.00x", "5.00x"],
            ["geomean (ring 3)", "1.00x", "5.00x"],
        ])
        XCTAssertEqual(BenchTable.mips(0.123), "0.12")
        XCTAssertEqual(BenchTable.mips(1187.4), "1187")
    }

    func testTable() {
        let report = sampleReport()
        XCTAssertEqual(BenchTable.summary(report), [
            ["workload", "native", "mimic run tcg", "qemu-x86_64"],
            ["fib", "11.0 ms", "10x", "skipped"],
            ["fib-ring0 (ring 0)", "2.0 ms", "100x", "skipped"],
            ["geomean (ring 3)", "1x", "10x", "-"],
        ])
        XCTAssertEqual(BenchTable.markdown(report), """
            | workload | native | mimic run tcg | qemu-x86_64 |
            |---|---:|---:|---:|
            | fib | 11.0 ms | 10x | skipped |
            | fib-ring0 (ring 0) | 2.0 ms | 100x | skipped |
            | geomean (ring 3) | 1x | 10x | - |

            """)
        let details = BenchTable.details(report).split(separator: "\n").map(String.init)
        XCTAssertEqual(details.count, 7)
        XCTAssertTrue(details[2].contains("110.0 ms") && details[2].contains("100.0 ms - 120.0 ms") && details[2].contains("10x")
                      && details[2].hasSuffix("200"), details[2])
        XCTAssertTrue(details[3].hasSuffix("qemu-x86_64    skipped: not installed, \"qemu-user\""), details[3])
    }

    func testChartIsWellFormedSelfContainedSVGWithLogScaleBars() throws {
        let svg = BenchChart.render(sampleReport())
        let structure = SVGStructure()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = structure
        XCTAssertTrue(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))")
        XCTAssertEqual(structure.root, "svg")
        XCTAssertEqual(structure.elements.subtracting(["svg", "rect", "line", "text", "title"]), [], "only basic shapes and text")
        XCTAssertFalse(svg.contains("href") || svg.contains("<script") || svg.contains("<style") || svg.contains("url("),
                       "self-contained: nothing from elsewhere")

        // Axis: ratios 10 and 100 give decades 1x..100x over the plot's 320 units, so the
        // 10x bar is 160 high and the 100x bar 320; the geomean group repeats 10x.
        let bars = structure.rects.filter { $0.fill == BenchChart.colour(.runTCG) && $0.title.contains("of native") }
        XCTAssertEqual(bars.map(\.height), [160, 320, 160])
        XCTAssertEqual(bars.map(\.y), [BenchChart.plotTop + 160, BenchChart.plotTop, BenchChart.plotTop + 160])
        XCTAssertTrue(bars[0].title.contains("fib, mimic run tcg: 10x of native, median 110.0 ms (100.0 ms to 120.0 ms), 200 guest MIPS"), bars[0].title)

        // Skipped cells keep their slot, with the reason as the tooltip.
        let skipped = structure.rects.filter { $0.title.hasPrefix("skipped: ") }
        XCTAssertEqual(skipped.map(\.title), ["skipped: not installed, \"qemu-user\"", "skipped: not installed"])
        XCTAssertEqual(structure.texts.filter { $0 == "skipped" }.count, 3, "two skipped cells and the geomean slot")

        // Decade labels and the legend (every configuration but native).
        for label in ["1x", "10x", "100x", "native", "mimic run tcg", "qemu-x86_64", "fib", "fib-ring0 (ring 0)", "geomean (ring 3)"] {
            XCTAssertTrue(structure.texts.contains(label), "missing text \(label)")
        }
        XCTAssertFalse(structure.texts.contains("1000x"))
    }

    // MARK: checking a run

    func testAPassingRunNeedsTheStatusAndTheChecksum() {
        let fib = BenchSuite.workloads.first { $0.name == "fib" }!
        XCTAssertEqual(fib.checksumLine(6765), "fib: checksum 0x0000000000001a6d")
        func result(_ status: Int32, _ stdout: String, stderr: String = "", timedOut: Bool = false) -> BenchProcess.Result {
            BenchProcess.Result(status: status, seconds: 1.5, stdout: stdout, stderr: stderr, timedOut: timedOut)
        }
        let good = "fib: checksum 0x0000000000001a6d\nfib: size 20 (not the default, not checked)\n"
        XCTAssertEqual(BenchRunner.checksum(in: good, workload: fib), 6765)
        XCTAssertNil(BenchRunner.failure(of: result(0, good), configuration: .native, workload: fib, expected: 6765))
        XCTAssertNil(BenchRunner.failure(of: result(1, good), configuration: .bootKVM, workload: fib, expected: 6765))
        XCTAssertNil(BenchRunner.failure(of: result(0, good), configuration: .native, workload: fib, expected: nil))
        XCTAssertEqual(BenchRunner.failure(of: result(0, good), configuration: .bootTCG, workload: fib, expected: 6765),
                       "exit status 0 (a pass is 1): fib: size 20 (not the default, not checked)")
        XCTAssertEqual(BenchRunner.failure(of: result(2, "", stderr: "qemu: warning: x\nmimic: --accel tcg is not yet supported\n"),
                                           configuration: .bootTCG, workload: fib, expected: 6765),
                       "exit status 2 (a pass is 1): mimic: --accel tcg is not yet supported")
        XCTAssertEqual(BenchRunner.failure(of: result(0, good), configuration: .runTCG, workload: fib, expected: 6766),
                       "wrong result: fib: checksum 0x0000000000001a6d, the real CPU gives 0x0000000000001a6e")
        XCTAssertEqual(BenchRunner.failure(of: result(0, "hello\n"), configuration: .native, workload: fib, expected: 6765),
                       "no checksum line in the output: hello")
        XCTAssertEqual(BenchRunner.failure(of: result(137, "", timedOut: true), configuration: .native, workload: fib, expected: 6765),
                       "timed out after 2 s")
    }

    func testCommandLinesAndMissingTools() {
        let setup = BenchRunner.Setup(guestImages: URL(fileURLWithPath: "/g"), mimic: "/bin/mimic",
                                      qemuUser: nil, qemuSystem: "/usr/bin/qemu-system-x86_64", kvmProblem: "no usable /dev/kvm (No such file or directory)")
        let runner = BenchRunner(setup: setup, runs: 1, timeout: 1, process: BenchProcess(scratch: URL(fileURLWithPath: "/tmp")))
        let ring0 = BenchSuite.workloads.first { $0.name == "fib-ring0" }!
        XCTAssertEqual(runner.command(ring0, .native, size: 20).arguments, ["/g/build/linux/fib", "20"])
        XCTAssertEqual(runner.command(ring0, .runInterp, size: 20).arguments, ["/bin/mimic", "run", "--accel", "interp", "--", "/g/build/linux/fib", "20"])
        XCTAssertEqual(runner.command(ring0, .bootTCG, size: 20).arguments,
                       ["/bin/mimic", "boot", "--accel", "tcg", "--append", "n=20", "/g/build/fib-ring0.elf"])
        XCTAssertEqual(runner.command(ring0, .bootTCG, size: 20, counting: true).arguments,
                       ["/bin/mimic", "boot", "--accel", "tcg", "--stats=json", "--append", "n=20", "/g/build/fib-ring0.elf"])
        XCTAssertEqual(runner.command(ring0, .qemuSystemTCG, size: 20).arguments,
                       ["/usr/bin/qemu-system-x86_64", "-accel", "tcg", "-kernel", "/g/build/fib-ring0.elf", "-append", "n=20",
                        "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-serial", "stdio", "-display", "none", "-no-reboot"])
        XCTAssertNil(runner.command(ring0, .qemuSystemTCG, size: 20).problem)
        XCTAssertEqual(runner.command(ring0, .qemuSystemKVM, size: 20).problem, "no usable /dev/kvm (No such file or directory)")
        XCTAssertEqual(runner.command(ring0, .qemuUser, size: 20).problem, "qemu-x86_64 is not installed (Debian package qemu-user)")
    }

    func testSelectingWorkloads() {
        XCTAssertEqual(BenchSuite.select("fib").map(\.name), ["fib"])
        XCTAssertEqual(BenchSuite.select("fib*").map(\.name), ["fib", "fib-ring0"])
        XCTAssertEqual(BenchSuite.select("crc32, sieve").map(\.name), ["sieve", "crc32"])
        XCTAssertEqual(BenchSuite.select(nil).map(\.name), ["startup", "sieve", "sha256", "crc32", "matmul", "fib", "memops", "bytecode", "fib-ring0"])
        XCTAssertEqual(BenchSuite.select("nothing"), [])
        XCTAssertEqual(BenchSuite.select(nil, quick: true).map(\.name), ["startup", "sieve", "fib", "bytecode", "fib-ring0"])
        XCTAssertEqual(BenchSuite.select("memops", quick: true).map(\.name), ["memops"], "--only picks from the whole suite")
    }

    func testEveryWorkloadKnowsTheChecksumsOfItsSizes() {
        for w in BenchSuite.workloads {
            XCTAssertNotNil(w.checksums[w.fullSize], w.name)
            XCTAssertNotNil(w.checksums[w.quickSize], w.name)
        }
    }

    func testGuestInstructionsFromStatsJSON() {
        XCTAssertEqual(BenchGuestCount.parse("fib: pass\n{\"blocks_translated\": 5, \"guest_instructions_executed\": 12345}\n"), 12345)
        XCTAssertEqual(BenchGuestCount.parse("{\"tcg\": {\"instructionsTranslated\": 9, \"instructionsExecuted\": 7}}"), 7)
        XCTAssertEqual(BenchGuestCount.parse("{\n  \"guest\": {\n    \"instructions_retired\": 42\n  }\n}\n"), 42)
        XCTAssertNil(BenchGuestCount.parse("{\"instructions_translated\": 100}"))
        XCTAssertNil(BenchGuestCount.parse("fib: checksum 0x1\n"))
    }
}

/// What the chart test looks at in the SVG.
private final class SVGStructure: NSObject, XMLParserDelegate {
    struct Rect { var y: Double; var height: Double; var fill: String; var title: String }
    var root: String?
    var elements: Set<String> = []
    var rects: [Rect] = []
    var texts: [String] = []
    private var text: String?
    private var inTitle = false

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if root == nil { root = name }
        elements.insert(name)
        switch name {
        case "rect":
            rects.append(Rect(y: Double(attributes["y"] ?? "") ?? -1, height: Double(attributes["height"] ?? "") ?? -1,
                              fill: attributes["fill"] ?? "", title: ""))
        case "title": inTitle = true; text = ""
        case "text": text = ""
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text? += string
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "title", inTitle, !rects.isEmpty {
            rects[rects.count - 1].title = text ?? ""
            inTitle = false
        } else if name == "text" {
            texts.append(text ?? "")
        }
        if name == "title" || name == "text" { text = nil }
    }
}

/// `mimic bench` as a user runs it, on the smallest workload: every configuration gives a CSV
/// line, measured or skipped with its reason (QEMU and /dev/kvm may be missing here).
final class BenchCommandTests: XCTestCase {
    func testQuickBenchOfFibWritesEveryConfigurationToTheCSV() throws {
        for tool in ["make", "gcc"] where BenchProcess.which(tool) == nil {
            throw XCTSkip("\(tool) is not installed: the bench cannot build its workloads")
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("mimic-bench-test-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        let images = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("guest-images").path
        var command = try MimicCommand.parseAsRoot(["bench", "--quick", "--only", "fib", "--size", "20",
                                                    "--out", out.path, "--images", images])
        try command.run()

        let csv = try String(contentsOf: out.appendingPathComponent("bench.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n").map { String($0) }
        XCTAssertEqual(lines.first, BenchCSV.header.joined(separator: ","))
        let rows = lines.dropFirst().map(Self.fields)
        XCTAssertEqual(rows.map { $0[2] }, BenchConfiguration.allCases.map(\.rawValue), "one line per configuration, in order")
        for row in rows {
            XCTAssertEqual(row.count, BenchCSV.header.count, "\(row)")
            XCTAssertEqual(row[0], "fib")
            XCTAssertEqual(row[1], "20")
            switch row[3] {
            case "ok":
                XCTAssertEqual(row[4], "1", "--quick runs each cell once")
                let median = try XCTUnwrap(Double(row[5])), low = try XCTUnwrap(Double(row[6])), high = try XCTUnwrap(Double(row[7]))
                XCTAssertTrue(low > 0 && low <= median && median <= high, "\(row)")
                XCTAssertNotNil(Double(row[8]), "a measured cell has its ratio to native: \(row)")
                XCTAssertEqual(row[12], "")
            case "skipped":
                XCTAssertFalse(row[12].isEmpty, "a skipped cell says why: \(row)")
                XCTAssertEqual(row[5], "")
            default:
                XCTFail("status \(row[3])")
            }
        }
        // Native is the reference: it ran, printed fib(20) = 6765 (checked), and its ratio is 1.
        XCTAssertEqual(rows[0][3], "ok", "\(rows[0])")
        XCTAssertEqual(rows[0][8], "1.0000")
        XCTAssertTrue(rows[0][13].hasSuffix("guest-images/build/linux/fib 20"), rows[0][12])
        if BenchProcess.which("qemu-x86_64") == nil {
            XCTAssertEqual(rows[3][12], "qemu-x86_64 is not installed (Debian package qemu-user)")
        }

        let svg = try String(contentsOf: out.appendingPathComponent("bench.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("<svg") && svg.hasSuffix("</svg>\n"))
        let markdown = try String(contentsOf: out.appendingPathComponent("bench.md"), encoding: .utf8)
        XCTAssertTrue(markdown.hasPrefix("| workload | native | mimic run tcg |"), markdown)
    }

    func testUnknownWorkloadIsAValidationError() throws {
        var command = try MimicCommand.parseAsRoot(["bench", "--only", "nonesuch"])
        XCTAssertThrowsError(try command.run()) { error in
            XCTAssertTrue(error is ValidationError, "\(error)")
        }
    }

    /// A CSV line's fields (RFC 4180 quoting).
    static func fields(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(c)
            }
        }
        return fields + [field]
    }
}
