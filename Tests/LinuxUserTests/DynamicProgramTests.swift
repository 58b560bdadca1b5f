import Foundation
import XCTest

/// Dynamically linked Debian programs (coreutils, compressors, sqlite3, lua, perl, python3) and
/// pthread programs built by the test, each run natively and under `mimic run` through the
/// host's own ld.so, compared byte for byte: standard output, standard error and the exit status.
/// A program that is not installed skips its test with the Debian package to install.
/// MIMIC_CORPUS_ACCELS overrides each test's accelerators (by default tcg, and interp where a
/// debug build finishes in reasonable time).
final class DynamicProgramTests: XCTestCase {
    override class func tearDown() {
        try? FileManager.default.removeItem(at: CorpusFiles.root)
        super.tearDown()
    }

    // MARK: the loader and coreutils

    func testTrue() throws {
        try DynamicCheck.compare(DynamicCase(program: try DynamicCheck.locate("true", package: "coreutils")))
    }

    func testFalseExitStatus() throws {
        try DynamicCheck.compare(DynamicCase(program: try DynamicCheck.locate("false", package: "coreutils")))
    }

    /// `ls -la` on a tree with fixed modes, sizes and times; names of the owner and group come
    /// from /etc/passwd and /etc/group through glibc's NSS (`-n` shows the numbers).
    func testLsOnAFixedTree() throws {
        let ls = try DynamicCheck.locate("ls", package: "coreutils")
        for arguments in [["-la", "tree"], ["-lan", "tree"], ["-laR", "--time-style=full-iso", "tree"], ["-l", "-d", "tree/sub", "tree/shared", "tree/link"]] {
            try DynamicCheck.compare(DynamicCase(program: ls, arguments: arguments, prepare: DynamicFiles.fixedTree))
        }
    }

    func testSort() throws {
        let sort = try DynamicCheck.locate("sort", package: "coreutils")
        for arguments in [[], ["-n", "-r"], ["-t", ",", "-k2,2", "-k1,1n"], ["-u", "-f", "-t", ",", "-k2,2"], ["-R", "--random-source=/dev/zero"]] {
            try DynamicCheck.compare(DynamicCase(program: sort, arguments: arguments, stdin: DynamicFiles.records))
        }
    }

    func testSha256sum() throws {
        let sha256sum = try DynamicCheck.locate("sha256sum", package: "coreutils")
        try DynamicCheck.compare(DynamicCase(program: sha256sum, arguments: ["tree/README", "tree/big.bin", "-"],
                                             stdin: DynamicFiles.text, prepare: DynamicFiles.fixedTree))
        // A missing file: the message on standard error and exit status 1.
        try DynamicCheck.compare(DynamicCase(program: sha256sum, arguments: ["tree/README", "no-such-file"],
                                             prepare: DynamicFiles.fixedTree))
    }

    func testSeq() throws {
        let seq = try DynamicCheck.locate("seq", package: "coreutils")
        for arguments in [["1", "3", "100000"], ["-w", "0.5", "0.25", "10"], ["-f", "%08.3f", "-s", ":", "1", "0.5", "20"]] {
            try DynamicCheck.compare(DynamicCase(program: seq, arguments: arguments))
        }
    }

    func testWc() throws {
        let wc = try DynamicCheck.locate("wc", package: "coreutils")
        try DynamicCheck.compare(DynamicCase(program: wc, stdin: DynamicFiles.text))
        try DynamicCheck.compare(DynamicCase(program: wc, arguments: ["-lwmc", "tree/README", "tree/big.bin"],
                                             prepare: DynamicFiles.fixedTree))
    }

    func testTr() throws {
        let tr = try DynamicCheck.locate("tr", package: "coreutils")
        for arguments in [["a-z", "A-Z"], ["-d", "aeiou"], ["-s", " "], ["-c", "a-zA-Z\\n", "_"]] {
            try DynamicCheck.compare(DynamicCase(program: tr, arguments: arguments, stdin: DynamicFiles.text))
        }
    }

    func testCut() throws {
        let cut = try DynamicCheck.locate("cut", package: "coreutils")
        for arguments in [["-d", ",", "-f", "2,3"], ["-c", "1-5,9-"], ["-d", ",", "-f", "1", "--complement"]] {
            try DynamicCheck.compare(DynamicCase(program: cut, arguments: arguments, stdin: DynamicFiles.records))
        }
    }

    // MARK: compressors: the compressed bytes must match, then the native output decompresses.
    // The slower compressions run under tcg only: under interp they take 30 s to minutes.

    func testGzip() throws {
        let gzip = try DynamicCheck.locate("gzip", package: "gzip")
        try DynamicCheck.roundTrip(gzip, compress: ["-9", "-n", "-c"], decompress: ["-d", "-c"], compressAccels: ["tcg"])
        try DynamicCheck.roundTrip(gzip, compress: ["-1", "-n", "-c"], decompress: ["-d", "-c"])
    }

    func testBzip2() throws {
        let bzip2 = try DynamicCheck.locate("bzip2", package: "bzip2")
        try DynamicCheck.roundTrip(bzip2, compress: ["-9", "-c"], decompress: ["-d", "-c"], compressAccels: ["tcg"])
    }

    func testXz() throws {
        let xz = try DynamicCheck.locate("xz", package: "xz-utils")
        try DynamicCheck.roundTrip(xz, compress: ["-6", "-c"], decompress: ["-d", "-c"], compressAccels: ["tcg"])
    }

    /// `xz -T2` compresses in blocks on two worker threads, and decompresses them on two.
    func testXzWithTwoThreads() throws {
        let xz = try DynamicCheck.locate("xz", package: "xz-utils")
        try DynamicCheck.roundTrip(xz, compress: ["-T2", "-6", "--block-size=65536", "-c"], decompress: ["-T2", "-d", "-c"],
                                   compressAccels: ["tcg"])
    }

    // MARK: interpreters and sqlite3

    func testSqlite3Script() throws {
        let sqlite3 = try DynamicCheck.locate("sqlite3", package: "sqlite3")
        try DynamicCheck.compare(DynamicCase(program: sqlite3, arguments: ["test.db"], stdin: Array(DynamicScripts.sqlite.utf8),
                                             timeout: 300))
        try DynamicCheck.compare(DynamicCase(program: sqlite3, arguments: ["-json", ":memory:", DynamicScripts.sqliteJSON]))
    }

    func testLua() throws {
        let lua = try DynamicCheck.locate("lua5.4", package: "lua5.4")
        try DynamicCheck.compare(DynamicCase(program: lua, arguments: ["-e", DynamicScripts.lua], timeout: 300))
        // An error: the traceback on standard error, exit status 1.
        try DynamicCheck.compare(DynamicCase(program: lua, arguments: ["-e", "local t = nil; print(t.x)"]))
    }

    func testPerl() throws {
        let perl = try DynamicCheck.locate("perl", package: "perl-base")
        try DynamicCheck.compare(DynamicCase(program: perl, arguments: ["-e", DynamicScripts.perl], timeout: 300))
        try DynamicCheck.compare(DynamicCase(program: perl, arguments: ["-e", "die qq(stopped at line one\\n)"]))
    }

    /// A loop, a dict, string formatting, json and hashlib (under tcg: the loop takes minutes
    /// under interp), then an exit status and standard error (both accelerators).
    func testPython3() throws {
        let python3 = try DynamicCheck.locate("python3", package: "python3")
        try DynamicCheck.compare(DynamicCase(program: python3, arguments: ["-c", DynamicScripts.python],
                                             accels: ["tcg"], timeout: 600))
        try DynamicCheck.compare(DynamicCase(program: python3, arguments: ["-c", "import sys; print('to stderr', file=sys.stderr); sys.exit(3)"],
                                             timeout: 600))
    }

    /// concurrent.futures.ThreadPoolExecutor: hashlib releases the GIL, so the workers overlap.
    func testPython3ThreadPool() throws {
        let python3 = try DynamicCheck.locate("python3", package: "python3")
        try DynamicCheck.compare(DynamicCase(program: python3, arguments: ["-c", DynamicScripts.pythonThreads],
                                             accels: ["tcg"], timeout: 600))
    }

    // MARK: pthread programs (Programs/thread_*.c, built with gcc -pthread, dynamically linked)

    func testThreadsMutexConditionVariablePingPong() throws {
        try DynamicCheck.compareThreads("thread_pingpong", expected: """
            ping-pong: 20000 pings, 20000 pongs, thread returned 40000, sum 14db374c1dbda600
            barrier: 50 rounds, 50 serial threads, 0 early leaves

            """)
    }

    func testThreadsAtomicCounters() throws {
        try DynamicCheck.compareThreads("thread_atomics", expected: """
            threads 4 x 200000 iterations (4 joined)
            lock add      800000
            lock xadd     1600000
            cmpxchg loop  2400000
            cmpxchg max   799999
            xchg spinlock 800000
            mutex         100000
            cmpxchg16b    100000 100000, torn reads 0

            """)
    }

    func testThreadLocalStorage() throws {
        try DynamicCheck.compareThreads("thread_tls", expected: """
            thread 0: counter 1000, name worker-0, zeroed then own sum 2016, errno 9 (Bad file descriptor), own copy yes, started from the image yes
            thread 1: counter 3000, name worker-1, zeroed then own sum 2080, errno 9 (Bad file descriptor), own copy yes, started from the image yes
            thread 2: counter 7000, name worker-2, zeroed then own sum 2144, errno 9 (Bad file descriptor), own copy yes, started from the image yes
            thread 3: counter 13000, name worker-3, zeroed then own sum 2208, errno 9 (Bad file descriptor), own copy yes, started from the image yes
            main: counter 5, name changed, key destructors 4 (sum 64)

            """)
    }

    func testThreadSegfaultCaughtBySignalHandler() throws {
        try DynamicCheck.compareThreads("thread_segv", expected: """
            thread on its own stack: signal 11, handler on the faulting thread yes, address 0x10, alternate stack no, SIGSEGV unblocked after siglongjmp yes, went on to 5050; main thread 150000
            thread with sigaltstack: signal 11, handler on the faulting thread yes, address 0x110, alternate stack yes, SIGSEGV unblocked after siglongjmp yes, went on to 5050; main thread 150000

            """)
    }

    func testThreadCancellation() throws {
        try DynamicCheck.compareThreads("thread_cancel", expected: """
            blocked in pthread_cond_wait: cancel 0, join 0, result PTHREAD_CANCELED, cleanup [unlock][outer]
            blocked in nanosleep: cancel 0, join 0, result PTHREAD_CANCELED, cleanup [sleeper]
            polling pthread_testcancel: cancel 0, join 0, result PTHREAD_CANCELED, cleanup [poller]
            cancellation disabled: cancel 0, join 0, result 42, cleanup (none)
            asynchronous cancel: cancel 0, join 0, result PTHREAD_CANCELED, cleanup (none)

            """)
    }
}

/// One program run: what both sides run, and in which surroundings.
struct DynamicCase {
    var program: String
    var arguments: [String] = []
    var stdin: [UInt8]? = nil
    /// Fills each run's fresh working directory (native and Mimic runs get identical ones).
    var prepare: ((URL) throws -> Void)? = nil
    var accels: [String] = ["tcg", "interp"]
    var timeout: Double = 120

    /// The command line on one line: long or multi-line arguments cut short.
    var label: String {
        ([URL(fileURLWithPath: program).lastPathComponent] + arguments.map { argument in
            let line = argument.replacingOccurrences(of: "\n", with: "⏎")
            return line.count > 40 || line != argument ? "'" + line.prefix(37) + "...'" : line
        }).joined(separator: " ")
    }
}

enum DynamicCheck {
    /// The program's path, or a skip naming the Debian package that provides it.
    static func locate(_ name: String, package: String) throws -> String {
        guard let path = CorpusFiles.tool(name) else {
            print("[dynamic] \(name): skipped: not installed (Debian package \(package))")
            throw XCTSkip("\(name) is not installed (Debian package \(package))")
        }
        return path
    }

    /// Both runs' environment: the corpus's fixed one, glibc kept to the ifunc variants Mimic's
    /// CPUID selects, and the interpreters' hash seeds fixed.
    static let environment: [String: String] = CorpusEnvironment.standard.merging([
        "GLIBC_TUNABLES": CorpusEnvironment.glibcBaseline,
        "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PERL_HASH_SEED": "0",
    ]) { $1 }

    /// Runs the case natively, then under `mimic run` with each accelerator; one failure per
    /// accelerator whose outcome differs. Returns the native outcome.
    @discardableResult
    static func compare(_ test: DynamicCase, file: StaticString = #filePath, line: UInt = #line) throws -> CorpusOutcome {
        let native = try run(test, accel: nil)
        if case .timedOut = native.termination {
            XCTFail("\(test.label) timed out natively", file: file, line: line)
            return native
        }
        let accels = ProcessInfo.processInfo.environment["MIMIC_CORPUS_ACCELS"] == nil ? test.accels : CorpusMimic.accels(defaults: [])
        for accel in accels {
            let started = Date()
            let mimic = try run(test, accel: accel)
            let seconds = String(format: "%.2f", Date().timeIntervalSince(started))
            if let differences = CorpusComparison.differences(native: native, mimic: mimic) {
                print("[dynamic] \(test.label) [\(accel)]: DIFFERS (\(seconds) s)\n\(differences)")
                XCTFail("\(test.label) [\(accel)] differs from the native run:\n\(differences)", file: file, line: line)
            } else {
                print("[dynamic] \(test.label) [\(accel)]: same (\(native.stdout.count) bytes out, \(native.termination), \(seconds) s)")
            }
        }
        return native
    }

    /// One run in a fresh working directory, natively (`accel` nil) or under Mimic.
    static func run(_ test: DynamicCase, accel: String?) throws -> CorpusOutcome {
        let directory = try CorpusFiles.makeDirectory("dynamic")
        defer { try? FileManager.default.removeItem(at: directory) }
        try test.prepare?(directory)
        let invocation = CorpusInvocation(arguments: test.arguments, environment: environment, stdin: test.stdin,
                                          directory: directory, timeout: test.timeout)
        if let accel { return try CorpusMimic.run(test.program, accel: accel, invocation) }
        return try CorpusProcess.run(test.program, invocation)
    }

    /// Compression under Mimic must give the native bytes; decompressing the native bytes must
    /// give the input back.
    static func roundTrip(_ program: String, compress: [String], decompress: [String], compressAccels: [String] = ["tcg", "interp"],
                          file: StaticString = #filePath, line: UInt = #line) throws {
        let input = DynamicFiles.compressible
        let compressed = try compare(DynamicCase(program: program, arguments: compress, stdin: input, accels: compressAccels, timeout: 300),
                                     file: file, line: line)
        XCTAssertEqual(compressed.termination, .exited(0), "native \(program) \(compress): \(compressed.stderrText)", file: file, line: line)
        let restored = try compare(DynamicCase(program: program, arguments: decompress, stdin: compressed.stdout, timeout: 300),
                                   file: file, line: line)
        XCTAssertTrue(restored.stdout == input, "native \(program) \(decompress) does not give the input back", file: file, line: line)
    }

    /// A Programs/ pthread program, built with `gcc -pthread` (dynamically linked): the native
    /// run must print `expected` and exit 0, and every accelerator must match it.
    static func compareThreads(_ name: String, expected: String, accels: [String] = ["tcg", "interp"],
                               file: StaticString = #filePath, line: UInt = #line) throws {
        guard let gcc = CorpusToolchain.gcc else {
            throw XCTSkip("gcc is not installed (Debian package gcc): the thread programs cannot be built")
        }
        let binary = try CorpusBuilder.program(name, gcc, variant: "pthread", flags: ["-O2", "-pthread", "-mcx16"], libraries: [])
        let native = try compare(DynamicCase(program: binary, accels: accels, timeout: 120), file: file, line: line)
        XCTAssertEqual(native.termination, .exited(0), "\(name) natively: \(native.stderrText)", file: file, line: line)
        XCTAssertEqual(native.stdoutText, expected, "\(name) natively", file: file, line: line)
    }
}

/// Inputs: deterministic text made here, and the tree that ls, wc and sha256sum read.
enum DynamicFiles {
    /// A fixed pseudo-random sequence (a 64-bit LCG), so inputs are the same on every machine.
    static func numbers(_ count: Int, seed: UInt64) -> [UInt64] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
    }

    static let words = ["alpha", "Bravo", "charlie", "delta", "Echo", "foxtrot", "golf", "hotel", "India", "juliet",
                        "kilo", "lima", "Mike", "november", "oscar", "papa", "quebec", "romeo", "Sierra", "tango"]

    /// CSV-like records: "number,word,word" (duplicates and mixed case for sort -u -f).
    static let records: [UInt8] = {
        let n = numbers(6000, seed: 42)
        return Array((0..<2000).map { i in
            "\(n[3 * i] % 5000),\(words[Int(n[3 * i + 1] % 20)]),\(words[Int(n[3 * i + 2] % 20)])-\(i % 37)\n"
        }.joined().utf8)
    }()

    /// Lines of words with runs of spaces.
    static let text: [UInt8] = {
        let n = numbers(40000, seed: 7)
        var out = ""
        for i in 0..<40000 {
            out += words[Int(n[i] % 20)]
            out += n[i] % 11 == 0 ? "\n" : String(repeating: " ", count: Int(n[i] % 3) + 1)
        }
        return Array(out.utf8)
    }()

    /// About 1.2 MB that compresses to a few hundred KB: words with numbers, and a binary tail.
    static let compressible: [UInt8] = {
        let n = numbers(150_000, seed: 99)
        var out = [UInt8]()
        out.reserveCapacity(1_300_000)
        for i in 0..<120_000 {
            out += Array("\(words[Int(n[i] % 20)]) \(n[i] % 1000)\(i % 8 == 7 ? "\n" : " ")".utf8)
        }
        for i in 120_000..<150_000 { out += withUnsafeBytes(of: UInt32(truncatingIfNeeded: n[i] & 0xFF00FF)) { Array($0) } }
        return out
    }()

    /// tree/ with fixed contents, modes and times; the working directory's own time is fixed too
    /// (it is `..` in `ls -la tree`).
    static func fixedTree(_ directory: URL) throws {
        let tree = directory.appendingPathComponent("tree")
        let fm = FileManager.default
        try fm.createDirectory(at: tree.appendingPathComponent("sub/deeper"), withIntermediateDirectories: true)
        try fm.createDirectory(at: tree.appendingPathComponent("shared"), withIntermediateDirectories: true)
        let files: [(String, [UInt8], Int)] = [
            ("README", Array("Mimic's fixed tree.\n".utf8), 0o644),
            ("script.sh", Array("#!/bin/sh\necho hello\n".utf8), 0o755),
            ("secret", Array("hidden\n".utf8), 0o600),
            ("empty", [], 0o444),
            ("big.bin", Array(compressible.prefix(100_000)), 0o640),
            ("sub/note.txt", Array("a note\n".utf8), 0o664),
            ("sub/deeper/.hidden", Array("dot file\n".utf8), 0o400),
        ]
        for (name, contents, mode) in files {
            let url = tree.appendingPathComponent(name)
            try Data(contents).write(to: url)
            try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        }
        try fm.createSymbolicLink(atPath: tree.appendingPathComponent("link").path, withDestinationPath: "README")
        try fm.createSymbolicLink(atPath: tree.appendingPathComponent("dangling").path, withDestinationPath: "nowhere")
        for (name, mode) in [("sub", 0o750), ("sub/deeper", 0o700), ("shared", 0o1777)] {
            try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: tree.appendingPathComponent(name).path)
        }
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tree.path)
        // Innermost first: setting a time inside a directory would change the directory's.
        let times = [
            ("tree/README", "2019-05-06 07:08:09"), ("tree/script.sh", "2020-02-29 12:00:00"), ("tree/secret", "2001-09-09 01:46:40"),
            ("tree/empty", "1999-12-31 23:59:59"), ("tree/big.bin", "2021-03-04 05:06:07"), ("tree/sub/note.txt", "2018-01-01 00:00:00"),
            ("tree/sub/deeper/.hidden", "2017-07-07 07:07:07"), ("tree/link", "2016-06-06 06:06:06"), ("tree/dangling", "2016-06-07 06:06:06"),
            ("tree/sub/deeper", "2015-05-05 05:05:05"), ("tree/sub", "2014-04-04 04:04:04"), ("tree/shared", "2013-03-03 03:03:03"),
            ("tree", "2012-02-02 02:02:02"), (".", "2011-01-01 01:01:01"),
        ]
        for (path, time) in times {
            let touched = try CorpusProcess.run("/usr/bin/touch", CorpusInvocation(
                arguments: ["-h", "-d", time + " UTC", path], directory: directory))
            guard touched.termination == .exited(0) else {
                throw CorpusProcess.SpawnError(description: "touch -d \(time) \(path): \(touched.stderrText)")
            }
        }
    }
}

/// The scripts the interpreters and sqlite3 run.
enum DynamicScripts {
    static let sqlite = """
        CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, value REAL);
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000)
        INSERT INTO t SELECT x, 'name' || (x % 97), x * 1.5 FROM c;
        CREATE INDEX t_name ON t(name);
        SELECT count(*), sum(value), avg(value) FROM t;
        SELECT name, count(*), printf('%.2f', sum(value)) FROM t GROUP BY name ORDER BY name LIMIT 5;
        SELECT group_concat(id) FROM (SELECT id FROM t WHERE name = 'name7' ORDER BY id LIMIT 10);
        BEGIN;
        UPDATE t SET value = value * 2 WHERE id % 3 = 0;
        DELETE FROM t WHERE id > 4000;
        COMMIT;
        SELECT count(*), total(value), max(value), min(name) FROM t;
        .headers on
        .mode column
        SELECT upper('mimic') AS up, length(zeroblob(100)) AS len, 7 / 2 AS idiv, 7.0 / 2 AS fdiv, round(2.5) AS r, hex('xyz') AS h;
        .mode list
        CREATE TABLE u AS SELECT id, substr(name, 5) AS k FROM t WHERE id <= 300;
        SELECT k, count(*) FROM u GROUP BY k HAVING count(*) > 3 ORDER BY count(*) DESC, k LIMIT 4;
        SELECT t.id, u.k FROM t JOIN u ON t.id = u.id * 10 ORDER BY t.id DESC LIMIT 3;
        PRAGMA integrity_check;
        SELECT no_such_column FROM t;

        """

    static let sqliteJSON = "SELECT 1 AS one, 'two' AS two, 3.25 AS three, NULL AS four UNION ALL SELECT 5, 'six', -7.5e10, x'00ff'"

    static let lua = """
        local t = {}
        for i = 1, 200000 do t[i] = i * i % 1000 end
        local s = 0
        for _, v in ipairs(t) do s = s + v end
        print(s, string.format("%5.2f %x %q %g", math.pi, 255, "hi\\n", 2^53))
        local words = {}
        for w in ("the quick brown fox jumps over the lazy dog"):gmatch("%a+") do words[#words + 1] = w:upper() end
        table.sort(words)
        print(table.concat(words, ","))
        local co = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i * 10) end end)
        print(co(), co(), co())
        local fib = {}
        local function f(n) if n < 2 then return n end if fib[n] then return fib[n] end local v = f(n - 1) + f(n - 2) fib[n] = v return v end
        print(f(80), 7 // 2, 7 / 2, 3 | 5, math.maxinteger, 1e300 * 1e10, math.tointeger(3.0))
        print(("%s=%d"):rep(3, ";"):format("a", 1, "b", 2, "c", 3), #"héllo", utf8.len("héllo"))
        """

    static let perl = """
        my %h; $h{$_} = $_ ** 2 for 1 .. 2000;
        my $s = 0; $s += $h{$_} for sort keys %h;
        printf "%d %s\\n", $s, join(",", map { sprintf "%04d", $_ } (sort { $b <=> $a } keys %h)[0 .. 4]);
        print join(" ", map { ucfirst } split / /, "the quick brown fox"), "\\n";
        my $t = "a1b22c333"; (my $u = $t) =~ s/(\\d+)/<$1>/g; print "$u\\n";
        my @w = ("pear", "Apple", "fig", "banana"); print join(",", sort { lc($a) cmp lc($b) } @w), "\\n";
        printf "%.10f %e %s\\n", atan2(1, 1) * 4, 12345.678, 10 / 3;
        my @stack = map { [$_, $_ * 3] } 1 .. 5; print scalar(@stack), " ", $stack[-1][1], "\\n";
        print join(",", unpack("N n C", pack("N n C", 0xDEADBEEF, 513, 7))), "\\n";
        local $, = "-"; print "joined", "by", "commas"; print "\\n";
        """

    static let python = """
        import json, hashlib
        total = 0
        for i in range(300000):
            total += i * i % 7
        d = {f"k{i}": i * i for i in range(2000)}
        d["k5"] = "five"
        print(total, len(d), sum(v for v in d.values() if isinstance(v, int)), list(d)[:4])
        print("{:>10}|{:<8.3f}|{:x}|{!r}|%s|%05d".format("right", 3.14159, 255, "q") % ("pct", 42))
        print(f"{12345.6789:,.2f} {0.1 + 0.2} {1e22} {2**100} {-7 // 2} {divmod(-7, 2)} {round(2.675, 2)}")
        print(json.dumps({"a": [1, 2.5, None, True], "b": {"c": "é", "d": [[]]}}, sort_keys=True))
        print(json.dumps(json.loads('{"x": [1, 2, {"y": 3.25e-3}], "z": "\\\\u00e9"}'), ensure_ascii=False))
        print(hashlib.sha256(b"mimic" * 1000).hexdigest(), hashlib.md5(b"x").hexdigest(), hashlib.sha1(b"").hexdigest())
        print(sorted(set("mississippi")), [x ** 2 for x in range(10) if x % 3], max(d, key=str))
        """

    static let pythonThreads = """
        import concurrent.futures, hashlib, threading
        def work(n):
            data = str(n).encode() * 20000
            for _ in range(20):
                data = hashlib.sha256(data).digest() * 1000
            return n, hashlib.sha256(data).hexdigest()[:16]
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            for n, digest in pool.map(work, range(16)):
                print(n, digest)
        lock = threading.Lock()
        count = 0
        def add():
            global count
            for _ in range(10000):
                with lock:
                    count += 1
        threads = [threading.Thread(target=add) for _ in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        print("count", count, "threads alive", threading.active_count())
        """
}
