import Foundation
import XCTest

/// busybox-static applets driven by shell scripts, natively and under `mimic run`, compared
/// byte for byte. Each script makes its own input in the directory it starts in, so the runs
/// never depend on files outside it. MIMIC_CORPUS_ACCELS chooses the accelerators (default tcg).
final class CorpusBusyboxTests: XCTestCase {
    override class func tearDown() {
        try? FileManager.default.removeItem(at: CorpusFiles.root)
        super.tearDown()
    }

    /// /bin/busybox when it is the static build (Debian busybox-static).
    static var busybox: String? {
        for path in ["/bin/busybox", "/usr/bin/busybox"] where FileManager.default.isExecutableFile(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            if CorpusELF.isStaticX8664(Array(data)) { return path }
        }
        return nil
    }

    private func busyboxPath() throws -> String {
        guard let path = Self.busybox else {
            print("[corpus] busybox tests skipped: no static busybox (Debian busybox-static)")
            throw XCTSkip("no static x86-64 busybox at /bin/busybox (Debian package busybox-static)")
        }
        return path
    }

    /// Runs each script as `busybox sh -c SCRIPT` both ways.
    private func compare(_ scripts: [(String, String)], stdin: [UInt8]? = nil,
                         file: StaticString = #filePath, line: UInt = #line) throws {
        let busybox = try busyboxPath()
        for (name, script) in scripts {
            let invocation = CorpusInvocation(arguments: ["sh", "-c", script], stdin: stdin, timeout: 240)
            let native = try CorpusProcess.run(busybox, invocation)
            if case .timedOut = native.termination {
                XCTFail("busybox \(name): the native run timed out", file: file, line: line)
                continue
            }
            for accel in CorpusMimic.accels(defaults: ["tcg"]) {
                let started = Date()
                let mimic = try CorpusMimic.run(busybox, accel: accel, invocation)
                let seconds = String(format: "%.2f", Date().timeIntervalSince(started))
                if let differences = CorpusComparison.differences(native: native, mimic: mimic) {
                    print("[corpus] busybox \(name) [\(accel)]: DIFFERS (\(seconds) s)\n\(differences)")
                    XCTFail("busybox \(name) [\(accel)] differs from the native run:\n\(differences)", file: file, line: line)
                } else {
                    print("[corpus] busybox \(name) [\(accel)]: same (\(native.stdout.count) bytes, \(native.termination), \(seconds) s)")
                }
            }
        }
    }

    func testShellPipesLoopsAndFunctions() throws {
        try compare([
            ("loops", #"i=0; while [ $i -lt 40 ]; do i=$((i + 1)); case $((i % 3)) in 0) echo "fizz $i";; *) printf '%d ' $((i * i));; esac; done; echo"#),
            ("pipeline", #"for i in $(seq 1 200); do echo "$((i * 7919 % 101)) item$i"; done | sort -n | uniq -c -w 3 | head -n 25 | tail -n 20"#),
            ("functions", #"fact() { if [ $1 -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(($1 - 1))) )); fi; }; for n in 1 5 10 20; do echo "$n! = $(fact $n)"; done"#),
            ("strings", #"s="hello/world/file.tar.gz"; echo ${s#*/} ${s##*/} ${s%.*} ${s%%.*} ${#s}; v=; echo "${v:-default}" "${s:6:5}"; set -- a "b c" d; echo $# "$2"; for a in "$@"; do echo "[$a]"; done"#),
            ("here documents and read", "cat <<EOF > input.txt\nalpha 1\nbeta 2\ngamma 3\nEOF\nwhile read name value; do echo \"$value:$name\"; done < input.txt; wc -l < input.txt"),
            ("subshells and status", #"(cd / && pwd); pwd | grep -c /; false; echo "status $?"; (exit 7); echo "subshell $?"; x=$(echo inner; exit 3); echo "$x $?"; ! true; echo "negated $?""#),
            ("redirections", #"echo out; echo err >&2; { echo grouped; echo more >&2; } 2>&1 | tr a-z A-Z; exec 3>fd3.txt; echo via3 >&3; exec 3>&-; cat fd3.txt"#),
            // The shell reports a killed job ("Terminated") only when the job dies while it
            // waits, which is a race natively too: that report is kept out of the comparison.
            ("background and wait", #"(sleep 0.2; echo late) & echo early; wait; echo "waited $?"; { sleep 5 & kill $!; wait $!; echo "killed $?"; } 2>/dev/null"#),
            ("traps", #"trap 'echo got USR1' USR1; kill -USR1 $$; trap 'echo exiting' EXIT; echo body"#),
            ("exit status", "echo going; exit 3"),
            ("killed by signal", "echo dying; kill -TERM $$; echo not reached"),
        ])
    }

    func testStdinThroughShell() throws {
        let input = (1...500).map { "\($0 * 37 % 211) row \($0)" }.joined(separator: "\n") + "\n"
        try compare([("sort stdin", "sort -n -r | head -n 30; echo; wc -c")], stdin: Array(input.utf8))
    }

    /// Debian's busybox-static awk has no math functions (sin, exp, ^): arithmetic only.
    func testSortAwkSedGrep() throws {
        let data = #"awk 'BEGIN { srand(1); for (i = 1; i <= 2000; i++) printf "%d,%s,%.3f\n", (i * 7919) % 1000, substr("kiwiapplepearplumfig", (i % 16) + 1, 4), i / 7 }' > data.csv"#
        try compare([
            ("sort", data + #"; sort -t, -k2,2 -k1,1n data.csv | head -n 20; sort -t, -k3 -g -r data.csv | head -n 5; sort -u -t, -k2,2 data.csv | cut -d, -f2; sort -c data.csv; echo "sorted? $?""#),
            ("awk", data + #"; awk -F, '{ n[$2]++; s[$2] += $3 } END { for (k in n) printf "%s %d %.4f %e\n", k, n[k], s[k], s[k] / n[k] }' data.csv | sort; awk 'BEGIN { printf "%.10f %.10f %d %d\n", 1 / 7, 22 / 7 * 1e5, int(-3.7), 17 % 5; x = "a-b-c"; n = split(x, p, "-"); gsub(/b/, "B", x); print n, x, toupper(p[3]), length(x), index(x, "B"), sprintf("%05.1f|%-4s|%x", 3.14159, "ab", 255) }'"#),
            ("awk numbers", #"awk 'BEGIN { for (i = -5; i <= 5; i++) printf "%g %g %.17g %d %s\n", i / 3, i * 1e15 / 7, i * i * i * 1e10 / 3, i % 3, (i < 0 ? "neg" : "pos") }'"#),
            ("sed", data + #"; sed -n '1,5p;/,kiwi,/{s/kiwi/KIWI/gp;}' data.csv | head -n 12; sed -e 's/\([0-9]*\),\([a-z]*\)/\2=\1/' -e 'y/aeiou/AEIOU/' data.csv | tail -n 5; printf 'a\nb\nc\n' | sed -n '1!G;h;$p'; echo hello | sed 's/l*/X/g'"#),
            ("grep", data + #"; grep -c pear data.csv; grep -E '^9[0-9]{2},' data.csv | head -n 3; grep -v -i PLUM data.csv | wc -l; grep -n -o 'app[a-z]*' data.csv | head -n 4; grep -w -F -e 999 data.csv; grep nothing data.csv; echo "no match $?""#),
            ("cut tr wc head tail", data + #"; cut -d, -f1,3 data.csv | head -n 3; tr -d '0-9' < data.csv | tr -s ',' | head -n 3; tr 'a-z' 'n-za-m' < data.csv | tail -n 2; wc data.csv; head -c 50 data.csv | od -A x -t x1z | head -n 4; tail -n +1995 data.csv"#),
        ])
    }

    func testCompressionAndArchives() throws {
        let make = #"awk 'BEGIN { for (i = 0; i < 60000; i++) printf "%d line of text number %x %s\n", i, i * 2654435761 % 4294967296, (i % 7 ? "common" : "rare") }' > big.txt; head -c 200000 /dev/zero > zeros.bin"#
        try compare([
            ("gzip", make + #"; gzip -9 -c < big.txt > big.gz; gzip -1 -c < zeros.bin > zeros.gz; wc -c < big.gz; wc -c < zeros.gz; md5sum < big.gz; gunzip -c < big.gz | md5sum; md5sum < big.txt; gzip -t big.gz && echo intact; gunzip -c < zeros.gz | cmp - zeros.bin && echo zeros intact"#),
            ("bzip2", make + #"; bzip2 -9 -c < big.txt > big.bz2; wc -c < big.bz2; sha1sum < big.bz2; bunzip2 -c < big.bz2 | cmp - big.txt && echo round trip; bzip2 -c < zeros.bin | bunzip2 -c | wc -c"#),
            ("tar", make + #"; mkdir -p tree/sub/deeper; cp big.txt tree/; echo small > tree/sub/small.txt; touch -t 200001020304 tree tree/big.txt tree/sub tree/sub/small.txt tree/sub/deeper; tar cf tree.tar tree; tar tvf tree.tar | sed 's/  */ /g' | sort; tar czf tree.tgz tree; mkdir out; tar xzf tree.tgz -C out; cmp out/tree/big.txt big.txt && echo extracted; cat out/tree/sub/small.txt"#),
        ])
    }

    func testFindAndChecksums() throws {
        let make = #"mkdir -p a/b/c d; for i in 1 2 3 4 5; do seq 1 $((i * 1000)) > a/file$i.txt; echo $i > a/b/n$i.dat; done; echo deep > a/b/c/deep.txt; : > d/empty"#
        try compare([
            ("find", make + #"; find . | sort; find . -name '*.txt' -type f | sort; find . -type d | sort; find . -size +2k | sort; find . -empty | sort; find a -maxdepth 1 -type f -exec wc -l {} \; | sort"#),
            ("checksums", make + #"; for f in $(find a -type f | sort); do md5sum $f; sha1sum $f; sha256sum $f; sha512sum $f; done; cat a/file5.txt | sha256sum; md5sum a/file1.txt > sums; md5sum -c sums"#),
            ("large checksum", #"seq 1 300000 > numbers; sha256sum numbers; md5sum numbers; cksum numbers; wc -c numbers"#),
        ])
    }

    func testPrintfExprDate() throws {
        try compare([
            ("printf", #"printf '%d|%5d|%-5d|%x|%X|%o|%c|%s|%10.3s|%%\n' 42 -7 3 255 255 8 A hello truncated; printf '%.3f %e %g %G %10.4f %-8.2e|\n' 3.14159265 123456.789 0.0001234 1e20 -2.5 6.02e23; printf '%b\n' 'tab\there' 'oct\101'; printf '%s-%s\n' a b c d"#),
            ("expr", #"expr 7 + 5 '*' 3; expr 100 / 7 % 5; expr length "hello world"; expr substr abcdefgh 3 4; expr index abcdef d; expr match foobar 'foo\(.*\)'; expr 5 '<' 10; expr abc = abd; echo "status $?"; expr 9223372036854775807 + 0"#),
            ("date", #"date -u -d @0 '+%Y-%m-%d %H:%M:%S %a %b %j %s'; date -u -d @1234567890; date -u -d '@2147483647' '+%c'; date -u -d '2001-02-03 04:05:06' '+%s %A %U'; date -u -d @86399 +%T"#),
            ("arithmetic", #"echo $((2**40)) $((-17 / 5)) $((-17 % 5)) $((0x7fffffffffffffff + 1)) $((1 << 63 >> 63)) $(( (3 > 2) && (1 || 0) )); seq -w 8 11; seq 1.5 0.25 2.5; factor 360 9973 1234567"#),
        ])
    }
}

/// Just enough ELF reading to tell a static x86-64 executable from anything else.
enum CorpusELF {
    static func isStaticX8664(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 64, bytes[0...3] == [0x7F, 0x45, 0x4C, 0x46], bytes[4] == 2, bytes[5] == 1,
              u16(bytes, 18) == 62 else { return false }
        let phoff = Int(u64(bytes, 32)), phentsize = Int(u16(bytes, 54)), phnum = Int(u16(bytes, 56))
        guard phentsize >= 56, phoff + phnum * phentsize <= bytes.count else { return false }
        return !(0..<phnum).contains { u32(bytes, phoff + $0 * phentsize) == 3 }   // no PT_INTERP
    }

    static func u16(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) | UInt16(b[at + 1]) << 8 }
    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << (8 * $1) } }
    static func u64(_ b: [UInt8], _ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * $1) } }
}
