/// Parses the durations operators write: `500ms`, `5s`, `2m`, `1h`, `1.5s`. A bare number is refused
/// because "5" could mean seconds or milliseconds.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        for (suffix, nanosPerUnit) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                let value = Double(number), value.isFinite, value * nanosPerUnit < 9e18
            else { return nil }
            return .nanoseconds(Int64((value * nanosPerUnit).rounded()))
        }
        return nil
    }
}
