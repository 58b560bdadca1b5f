import Foundation

/// A program of the Linux distribution as a benchmark row. A dynamically linked one is loaded
/// by `mimic run` and qemu-x86_64 through its own ld.so and the host's libraries, so start-up
/// translates the loader, libc and (for python3) the interpreter's own start-up code first.
struct BenchProgram: Equatable {
    /// The executable's name in /usr/bin or /bin (never a PATH wrapper such as pyenv's shims).
    var executable: String
    /// The Debian package that installs it, for the skip reason.
    var package: String
    /// The arguments: "{n}" stands for the size, "{input}" for the generated input file.
    var arguments: [String]
    /// Whether the program reads `{input}`: n bytes of generated text, made once per size.
    var readsInput = false
    /// Whether the interp column runs it: the loops take minutes under the interpreter, so only
    /// the start-up row does.
    var underInterp = false

    /// The installed executable, or nil.
    var path: String? {
        ["/usr/bin", "/bin"].map { $0 + "/" + executable }.first { access($0, X_OK) == 0 }
    }

    func arguments(size: UInt64, input: String) -> [String] {
        arguments.map { $0.replacingOccurrences(of: "{n}", with: String(size)).replacingOccurrences(of: "{input}", with: input) }
    }

    /// n bytes of text: words and numbers from a fixed 64-bit LCG, so every machine compresses
    /// the same input.
    static func input(bytes: UInt64) -> Data {
        let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima"]
        var state: UInt64 = 0x5eed
        var text = Data(capacity: Int(bytes) + 32)
        while UInt64(text.count) < bytes {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let r = state >> 33
            text.append(contentsOf: Array((words[Int(r % 12)] + " " + String(r % 10_000) + (r % 9 == 0 ? "\n" : " ")).utf8))
        }
        return text.prefix(Int(bytes))
    }

    /// The check of a program's run: a 64-bit FNV-1a hash of what it printed (the first 64 KiB
    /// BenchProcess keeps), which every configuration must share with the native run.
    static func outputHash(_ output: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in output.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

extension BenchSuite {
    /// Sizes chosen so that a full run takes 0.1-0.4 s natively (python3 start-up alone is the
    /// first row), and the quick ones a tenth of that. The checksums are the native run's output
    /// hash, taken at run time (the output depends on the distribution's versions).
    static let programs: [BenchWorkload] = [
        program("python3-startup", BenchProgram(executable: "python3", package: "python3", arguments: ["-c", "pass"],
                                                underInterp: true), full: 0, quick: 0, inQuickSuite: true),
        program("python3-loop", BenchProgram(executable: "python3", package: "python3", arguments: [
            "-c", "s = 0\nd = {}\nfor i in range({n}):\n    s += i * i % 7\n    d[i % 1000] = s\nprint(s, len(d), '%.3f' % (s / {n}))",
        ]), full: 1_000_000, quick: 100_000),
        program("lua-loop", BenchProgram(executable: "lua5.4", package: "lua5.4", arguments: [
            "-e", "local s, t = 0, {} for i = 1, {n} do s = s + i * i % 7 t[i % 1000] = s end print(s, #t, string.format('%.3f', s / {n}))",
        ]), full: 10_000_000, quick: 1_000_000),
        program("sqlite3-query", BenchProgram(executable: "sqlite3", package: "sqlite3", arguments: [
            ":memory:",
            "CREATE TABLE t AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) "
                + "SELECT x AS id, x * 7919 % 1000 AS k, x * x % 1013 AS v, printf('row %d', x) AS s FROM c; "
                + "CREATE INDEX t_k ON t(k); "
                + "SELECT k, count(*), sum(v), max(s) FROM t GROUP BY k ORDER BY sum(v) DESC, k LIMIT 3; "
                + "SELECT count(*), sum(a.v) FROM t a JOIN t b ON b.k = a.id WHERE a.v > 500;",
        ]), full: 200_000, quick: 20_000),
        program("xz-6", BenchProgram(executable: "xz", package: "xz-utils", arguments: ["-6", "-T1", "-c", "{input}"],
                                     readsInput: true), full: 2_000_000, quick: 200_000),
        // Issue 4's CPU-bound busybox runs (busybox-static: one static binary, no ld.so).
        program("busybox-sha256sum", BenchProgram(executable: "busybox", package: "busybox-static",
                                                  arguments: ["sha256sum", "{input}"], readsInput: true),
                full: 32_000_000, quick: 2_000_000),
        program("busybox-gzip", BenchProgram(executable: "busybox", package: "busybox-static",
                                             arguments: ["gzip", "-c", "{input}"], readsInput: true),
                full: 16_000_000, quick: 1_000_000),
    ]

    private static func program(_ name: String, _ program: BenchProgram, full: UInt64, quick: UInt64,
                                inQuickSuite: Bool = false) -> BenchWorkload {
        BenchWorkload(name: name, program: program.executable, image: "", fullSize: full, quickSize: quick, checksums: [:],
                      kind: .program(program), inQuickSuite: inQuickSuite)
    }
}
