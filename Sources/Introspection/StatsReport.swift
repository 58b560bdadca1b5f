/// What `--stats` prints at exit, as text for people or (`--stats=json`) one JSON object per line.
public struct StatsReport: Sendable {
    public enum Value: Sendable, Equatable {
        case count(UInt64)
        case decimal(Double)
        case text(String)
        /// Counts by name, such as helper calls by helper.
        case breakdown([Named])
    }

    public struct Named: Sendable, Equatable {
        public var name: String
        public var count: UInt64
        public init(_ name: String, _ count: UInt64) {
            self.name = name
            self.count = count
        }
    }

    public struct Entry: Sendable {
        /// The JSON key (snake_case).
        public var key: String
        /// The text label, in plain words.
        public var label: String
        public var value: Value
    }

    public var title: String
    public private(set) var entries: [Entry] = []

    public init(title: String) { self.title = title }

    public mutating func add(_ key: String, _ label: String, _ value: Value) {
        entries.append(Entry(key: key, label: label, value: value))
    }

    public mutating func add(_ key: String, _ label: String, _ count: Int) {
        add(key, label, .count(UInt64(max(0, count))))
    }

    public mutating func append(_ other: StatsReport) { entries += other.entries }

    public var text: String {
        var out = "Statistics: \(title)\n"
        let width = entries.map(\.label.count).max() ?? 0
        for entry in entries {
            let pad = String(repeating: " ", count: width - entry.label.count + 2)
            switch entry.value {
            case .count(let n): out += "  " + entry.label + pad + Self.grouped(n) + "\n"
            case .decimal(let d): out += "  " + entry.label + pad + Self.decimal(d) + "\n"
            case .text(let s): out += "  " + entry.label + pad + s + "\n"
            case .breakdown(let parts):
                out += "  " + entry.label + (parts.isEmpty ? pad + "none" : "") + "\n"
                let inner = parts.map(\.name.count).max() ?? 0
                for part in parts {
                    out += "    " + part.name + String(repeating: " ", count: inner - part.name.count + 2) + Self.grouped(part.count) + "\n"
                }
            }
        }
        return out
    }

    /// One JSON object on one line: `{"title":"tcg","blocks_translated":12,...}`.
    public var json: String {
        var fields = ["\"title\":" + Self.quoted(title)]
        for entry in entries {
            let value: String
            switch entry.value {
            case .count(let n): value = String(n)
            case .decimal(let d): value = Self.decimal(d)
            case .text(let s): value = Self.quoted(s)
            case .breakdown(let parts): value = "{" + parts.map { Self.quoted($0.name) + ":" + String($0.count) }.joined(separator: ",") + "}"
            }
            fields.append(Self.quoted(entry.key) + ":" + value)
        }
        return "{" + fields.joined(separator: ",") + "}\n"
    }

    static func grouped(_ n: UInt64) -> String {
        var digits = Array(String(n))
        var i = digits.count - 3
        while i > 0 {
            digits.insert(",", at: i)
            i -= 3
        }
        return String(digits)
    }

    /// Three decimals, without Foundation.
    static func decimal(_ d: Double) -> String {
        guard d.isFinite else { return "0" }
        let scaled = (abs(d) * 1000).rounded()
        let whole = UInt64(scaled / 1000), frac = UInt64(scaled) % 1000
        let fraction = String(frac)
        return (d < 0 ? "-" : "") + String(whole) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 { out += "\\u00" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
