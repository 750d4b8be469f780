/// What a set of checks adds up to (one backend's or one app's minute, or a report's window): counts,
/// failures by class, the latency sum and a latency sketch. Rollups merge by adding, which is what lets
/// a report over a day read 1,440 rows instead of millions of checks.
struct MinuteRollup: Equatable {
    var checks = 0
    var passed = 0
    var latencyCount = 0
    var latencySum = 0.0
    /// Failed checks by failure class (its name, as reports show it).
    var failures: [String: Int] = [:]
    var sketch = LatencySketch()

    mutating func add(_ check: PackedCheck) {
        checks += 1
        if check.passed {
            passed += 1
        } else {
            failures[check.failureClass?.rawValue ?? "other", default: 0] += 1
        }
        if let latency = check.latencyMs {
            latencyCount += 1
            latencySum += latency
            sketch.add(latency)
        }
    }

    mutating func merge(_ other: MinuteRollup) {
        checks += other.checks
        passed += other.passed
        latencyCount += other.latencyCount
        latencySum += other.latencySum
        failures.merge(other.failures, uniquingKeysWith: +)
        sketch.merge(other.sketch)
    }

    /// `refused=2,timeout=1`, or nil without failures (most minutes): small in the database.
    var failuresText: String? {
        failures.isEmpty ? nil : failures.keys.sorted().map { "\($0)=\(failures[$0]!)" }.joined(separator: ",")
    }

    static func failures(from text: String?) -> [String: Int] {
        var failures: [String: Int] = [:]
        for pair in (text ?? "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let count = Int(parts[1]) { failures[String(parts[0]), default: 0] += count }
        }
        return failures
    }
}
