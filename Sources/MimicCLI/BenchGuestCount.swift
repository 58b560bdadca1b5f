import Foundation

/// Guest instructions executed, read from the JSON that `mimic run|boot --stats=json` prints at
/// exit. The statistics name their counters in words, so the count is the numeric member whose
/// name says instructions and executed (or retired), not translated; nested objects are searched
/// too. Nil when the output holds no such object or member.
enum BenchGuestCount {
    static func parse(_ output: String) -> UInt64? {
        for line in output.split(separator: "\n").reversed() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("{"), let data = trimmed.data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            if let count = executedInstructions(in: object) { return count }
        }
        // Pretty-printed JSON spans lines: try the text from the first brace to the last.
        if let open = output.firstIndex(of: "{"), let close = output.lastIndex(of: "}"), open < close,
           let data = String(output[open...close]).data(using: .utf8),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            return executedInstructions(in: object)
        }
        return nil
    }

    static func executedInstructions(in object: [String: Any]) -> UInt64? {
        for key in object.keys.sorted() {
            let words = key.lowercased().filter { $0.isLetter }
            if words.contains("instruction"), words.contains("executed") || words.contains("retired"),
               !words.contains("translated"), let value = object[key] as? NSNumber, value.int64Value >= 0 {
                return value.uint64Value
            }
        }
        for key in object.keys.sorted() {
            if let nested = object[key] as? [String: Any], let count = executedInstructions(in: nested) { return count }
        }
        return nil
    }
}

extension BenchGuestCount {
    /// Seconds spent translating, from the same JSON: the numeric member whose name says
    /// translation and a unit (ms, us, ns or seconds), summed over every JSON object in the
    /// output (one per process). Nil when none says.
    static func translationSeconds(_ output: String) -> Double? {
        var total: Double?
        for line in output.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("{"), let data = trimmed.data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let seconds = translationSeconds(in: object) else { continue }
            total = (total ?? 0) + seconds
        }
        return total
    }

    static func translationSeconds(in object: [String: Any]) -> Double? {
        let units: [(suffix: String, scale: Double)] = [("_ns", 1e-9), ("_us", 1e-6), ("_ms", 1e-3), ("_s", 1), ("_seconds", 1)]
        for key in object.keys.sorted() where key.lowercased().hasPrefix("translation") {
            guard let value = object[key] as? NSNumber,
                  let unit = units.first(where: { key.lowercased().hasSuffix($0.suffix) }) else { continue }
            return value.doubleValue * unit.scale
        }
        for key in object.keys.sorted() {
            if let nested = object[key] as? [String: Any], let seconds = translationSeconds(in: nested) { return seconds }
        }
        return nil
    }
}
